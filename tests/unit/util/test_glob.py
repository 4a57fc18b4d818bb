"""util/glob.py: the compiled matcher equals a direct port of Redis's stringmatchlen."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vermilion.util.glob import _match_slow, compile_glob, compile_glob_regex, is_match_all, stringmatch

CASES = [
    (b"*", b"", False), (b"", b"", True), (b"", b"a", False), (b"*", b"abc", True), (b"**", b"", False),
    (b"a*", b"a", True), (b"*a", b"a", True), (b"h?llo", b"hello", True), (b"h?llo", b"hllo", False),
    (b"h*llo", b"hllo", True), (b"h*llo", b"heeeello", True), (b"h[ae]llo", b"hallo", True),
    (b"h[ae]llo", b"hillo", False), (b"h[^e]llo", b"hallo", True), (b"h[^e]llo", b"hello", False),
    (b"h[a-b]llo", b"hbllo", True), (b"h[b-a]llo", b"hbllo", True), (b"h[a-b]llo", b"hcllo", False),
    (b"[]", b"]", False), (b"[]a]", b"]", False), (b"[^]", b"x", True), (b"[", b"[", False),
    (b"[^", b"x", True), (b"[abc", b"b", True), (b"\\", b"\\", True), (b"a\\", b"a\\", True),
    (b"h\\*llo", b"h*llo", True), (b"h\\*llo", b"hello", False), (b"[\\]]", b"]", True),
    (b"[\\-a]", b"-", True), (b"[a-]", b"-", False), (b"[a-]", b"]", True), (b"x[+--]y", b"x,y", True),
    (b"[a-", b"-", True), (b"*\\", b"ab\\", True), (b"?", b"", False), (b"?", b"\x00", True),
    (b"a*b*c", b"aXbXc", True), (b"a*b*c", b"aXbX", False), (b"*a*a*a*b", b"a" * 3000, False),
    (b"[\x80-\xff]", b"\x90", True), (b"*.txt", b"a\nb.txt", True),
]


@pytest.mark.parametrize("pattern,subject,expected", CASES)
def test_cases(pattern, subject, expected):
    assert stringmatch(pattern, subject) is expected
    assert _match_slow(pattern, subject, False) is expected


NOCASE = [(b"HELLO", b"hello", True), (b"h[A-Z]llo", b"hello", True), (b"[A-z]", b"_", False),
          (b"[a-Z]", b"m", False), (b"h[^E]llo", b"hello", False), (b"\xc9", b"\xe9", False)]


@pytest.mark.parametrize("pattern,subject,expected", NOCASE)
def test_nocase(pattern, subject, expected):
    assert stringmatch(pattern, subject, nocase=True) is expected
    assert _match_slow(pattern, subject, True) is expected


def test_case_sensitive_range_includes_punctuation():
    assert stringmatch(b"[A-z]", b"_")


def test_match_all_fast_path():
    assert is_match_all(b"*") and not is_match_all(b"**")


def test_regex_for_bulk_filtering():
    rx = compile_glob_regex(b"user:*")
    assert rx is not None and rx.fullmatch(b"user:1") and not rx.fullmatch(b"item:1")
    assert compile_glob_regex(b"") is None


def test_nesting_limit_falls_back_and_fails_deep_matches():
    pattern = b"a*" * 1002
    assert compile_glob_regex(pattern) is None
    assert stringmatch(pattern, b"a" * 1002) is False          # recursion deeper than 1000
    # the 1001st star is never recursed into: the subject ends first, trailing stars match
    assert stringmatch(b"a*" * 1001, b"a" * 1001) is True


def test_pathological_pattern_is_fast():
    import time

    t = time.perf_counter()
    assert not stringmatch(b"*a*a*a*a*a*a*a*a*b", b"a" * 20000)
    assert time.perf_counter() - t < 0.5


def test_compiled_is_cached():
    assert compile_glob(b"x*y") is compile_glob(b"x*y")


ALPHABET = b"ab*?[]^-\\"


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=8).map(lambda b: bytes(ALPHABET[x % len(ALPHABET)] for x in b)),
       st.binary(max_size=8).map(lambda b: bytes(b"ab-]^\\*"[x % 7] for x in b)), st.booleans())
def test_compiled_equals_port(pattern, subject, nocase):
    assert stringmatch(pattern, subject, nocase) == _match_slow(pattern, subject, nocase)
