"""Redis's glob matching (``stringmatchlen`` in util.c), exactly, and fast.

Used by KEYS, SCAN MATCH and later PSUBSCRIBE and ACL key/channel patterns.

Redis's matcher, byte by byte:

* ``*`` matches any run of bytes (consecutive stars collapse);
* ``?`` matches one byte;
* ``[...]`` matches one byte from a class: ``^`` first negates it, ``a-z`` is a range
  (its ends are swapped when reversed), ``\\x`` is a literal ``x``; a class that is
  not closed runs to the end of the pattern, and ``[]`` matches nothing;
* ``\\x`` outside a class is a literal ``x`` (a lone trailing ``\\`` is a literal
  backslash); anything else is a literal byte;
* ``nocase`` lowers ASCII letters only (C locale ``tolower``), and in a range lowers the
  two ends and the byte after swapping them;
* an empty subject matches only the empty pattern (the matching loop never starts), so
  ``*`` does not match ``b""`` (KEYS and SCAN special-case a lone ``*`` before calling
  the matcher, as we do in ``is_match_all``);
* star recursion is capped at 1000 levels (7.2): deeper matches fail.

Translation: each pattern is compiled once (LRU cache) to a ``re`` that is equivalent
on non-empty subjects.  Every class is computed as the exact set of the 256 bytes
Redis's loop would accept (so the nocase and odd-range rules are Redis's, not ``re``'s),
and literals under nocase become two-byte classes, so no ``re`` flags other than DOTALL
are involved.  Every atom matches exactly one byte, so the text between two stars has a
fixed width and its leftmost occurrence is always the right one to take: the pattern
``*A*B*C`` becomes ``(?>.*?A)(?>.*?B).*C`` with atomic groups, which keeps matching
linear in the subject instead of the O(n^k) backtracking of ``.*A.*B.*C`` (Redis's own
fix for that blow-up is its ``skipLongerMatches`` flag).  Patterns with more than 1000
star groups keep the recursion-limit semantics by falling back to ``_match_slow``,
a direct port.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from typing import Callable

__all__ = ["stringmatch", "compile_glob", "is_match_all"]

MAX_NESTING = 1000


def _lower(c: int) -> int:
    return c + 32 if 65 <= c <= 90 else c


def _class_end(p: bytes, i: int) -> tuple[int, bool, list[tuple[str, int, int]]]:
    """Parse a class starting after ``[`` at ``i``: (index after it, negated, items).

    Items are ("lit", byte, 0) or ("range", start, end); mirrors Redis's loop, including
    the unterminated class (runs to the end) and ``]`` as the very first member ending it.
    """
    n = len(p)
    negate = i < n and p[i] == 0x5E  # '^'
    if negate:
        i += 1
    items: list[tuple[str, int, int]] = []
    while True:
        left = n - i
        if left >= 2 and p[i] == 0x5C:  # '\\' escapes the next byte
            items.append(("lit", p[i + 1], 0))
            i += 2
            continue
        if left > 0 and p[i] == 0x5D:  # ']'
            i += 1
            break
        if left <= 0:
            break
        if left >= 3 and p[i + 1] == 0x2D:  # 'a-z'
            items.append(("range", p[i], p[i + 2]))
            i += 3
            continue
        items.append(("lit", p[i], 0))
        i += 1
    return i, negate, items


def _class_bytes(negate: bool, items: list[tuple[str, int, int]], nocase: bool) -> set[int]:
    members = set()
    for c in range(256):
        match = False
        for kind, a, b in items:
            if kind == "lit":
                if (a == c) if not nocase else (_lower(a) == _lower(c)):
                    match = True
            else:
                start, end, ch = (a, b, c) if a <= b else (b, a, c)
                if nocase:
                    start, end, ch = _lower(start), _lower(end), _lower(ch)
                if start <= ch <= end:
                    match = True
        if match != negate:
            members.add(c)
    return members


def _set_regex(members: set[int]) -> bytes:
    if not members:
        return b"(?!)"
    if len(members) == 256:
        return b"."
    return b"[" + b"".join(re.escape(bytes([c])) for c in sorted(members)) + b"]"


def _literal_regex(c: int, nocase: bool) -> bytes:
    if nocase and (65 <= c <= 90 or 97 <= c <= 122):
        return b"[" + bytes([c | 0x20, c & ~0x20]) + b"]"
    return re.escape(bytes([c]))


def _segments(p: bytes, nocase: bool) -> list[list[bytes] | None]:
    """Split into atoms; ``None`` marks a (collapsed) star."""
    out: list[list[bytes] | None] = []
    cur: list[bytes] = []
    i, n = 0, len(p)
    while i < n:
        c = p[i]
        if c == 0x2A:  # '*'
            while i < n and p[i] == 0x2A:
                i += 1
            out.append(cur)
            out.append(None)
            cur = []
            continue
        if c == 0x3F:  # '?'
            cur.append(b".")
            i += 1
        elif c == 0x5B:  # '['
            i, negate, items = _class_end(p, i + 1)
            cur.append(_set_regex(_class_bytes(negate, items, nocase)))
        elif c == 0x5C and n - i >= 2:
            cur.append(_literal_regex(p[i + 1], nocase))
            i += 2
        else:
            cur.append(_literal_regex(c, nocase))
            i += 1
    out.append(cur)
    return out


def _to_regex(p: bytes, nocase: bool) -> bytes:
    parts = _segments(p, nocase)
    # parts alternates: [seg, None, seg, None, ..., seg]
    segs = [s for s in parts if s is not None]
    if len(segs) == 1:
        return b"".join(segs[0])
    rx = [b"".join(segs[0])]
    for mid in segs[1:-1]:
        rx.append(b"(?>.*?" + b"".join(mid) + b")")
    rx.append(b".*" + b"".join(segs[-1]))
    return b"".join(rx)


def _match_slow(p: bytes, s: bytes, nocase: bool) -> bool:
    """A direct port of stringmatchlen (with skipLongerMatches and nesting), used only
    for patterns with more than ``MAX_NESTING`` star groups."""
    if sys.getrecursionlimit() < MAX_NESTING + 500:
        sys.setrecursionlimit(MAX_NESTING + 500)  # one Python frame per nesting level
    skip = [False]

    def rec(pi: int, si: int, nesting: int) -> bool:
        if nesting > MAX_NESTING:
            return False
        pn, sn = len(p), len(s)
        while pi < pn and si < sn:
            c = p[pi]
            if c == 0x2A:
                while pi + 1 < pn and p[pi + 1] == 0x2A:
                    pi += 1
                if pi + 1 == pn:
                    return True
                while si < sn:
                    if rec(pi + 1, si, nesting + 1):
                        return True
                    if skip[0]:
                        return False
                    si += 1
                skip[0] = True
                return False
            if c == 0x3F:
                si += 1
            elif c == 0x5B:
                end, negate, items = _class_end(p, pi + 1)
                if s[si] not in _class_bytes(negate, items, nocase):
                    return False
                si += 1
                pi = end - 1
            else:
                if c == 0x5C and pn - pi >= 2:
                    pi += 1
                    c = p[pi]
                if (c != s[si]) if not nocase else (_lower(c) != _lower(s[si])):
                    return False
                si += 1
            pi += 1
            if si == sn:
                while pi < pn and p[pi] == 0x2A:
                    pi += 1
                break
        return pi == len(p) and si == len(s)

    return rec(0, 0, 0)


@lru_cache(maxsize=1024)
def compile_glob(pattern: bytes, nocase: bool = False) -> Callable[[bytes], bool]:
    """A predicate ``f(subject) -> bool`` equal to ``stringmatchlen(pattern, subject)``."""
    if pattern.count(b"*") and len(re.findall(rb"\*+", pattern)) > MAX_NESTING:
        return lambda s: _match_slow(pattern, s, nocase)
    if not pattern:
        return lambda s: not s
    fullmatch = re.compile(_to_regex(pattern, nocase), re.DOTALL).fullmatch
    return lambda s: bool(s) and fullmatch(s) is not None


def compile_glob_regex(pattern: bytes, nocase: bool = False) -> re.Pattern[bytes] | None:
    """The compiled ``re`` (use ``fullmatch``; subjects must be non-empty), or None when
    the pattern needs the slow matcher.  For bulk filtering at C speed (KEYS)."""
    if not pattern or len(re.findall(rb"\*+", pattern)) > MAX_NESTING:
        return None
    return _regex_cached(pattern, nocase)


@lru_cache(maxsize=256)
def _regex_cached(pattern: bytes, nocase: bool) -> re.Pattern[bytes]:
    return re.compile(_to_regex(pattern, nocase), re.DOTALL)


def stringmatch(pattern: bytes, subject: bytes, nocase: bool = False) -> bool:
    return compile_glob(pattern, nocase)(subject)


def is_match_all(pattern: bytes) -> bool:
    """KEYS/SCAN's fast path: a lone ``*`` matches every key, even the empty one."""
    return pattern == b"*"
