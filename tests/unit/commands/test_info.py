"""INFO helpers: section selection (Redis's genInfoSectionDict) and bytesToHuman."""

from __future__ import annotations

import pytest

from vermilion.commands.client import validate_name
from vermilion.commands.info import DEFAULT_SECTIONS, SECTION_PROVIDERS, bytes_to_human, select_sections
from vermilion.protocol.errors import CommandError


@pytest.mark.parametrize("n,text", [
    (0, "0B"), (1023, "1023B"), (1024, "1.00K"), (1536, "1.50K"), (1048576, "1.00M"),
    (5 * 1024**3, "5.00G"), (3 * 1024**4, "3.00T"), (1024**5, "1.00P"), (1024**6 * 2, "2305843009213693952B"),
])
def test_bytes_to_human(n, text):
    assert bytes_to_human(n) == text


def test_section_selection():
    assert select_sections([]) == DEFAULT_SECTIONS
    assert "commandstats" not in DEFAULT_SECTIONS and "latencystats" not in DEFAULT_SECTIONS
    assert select_sections([b"default"]) == DEFAULT_SECTIONS
    assert select_sections([b"ALL"]) == set(SECTION_PROVIDERS)
    assert select_sections([b"everything"]) == set(SECTION_PROVIDERS)
    assert select_sections([b"Server", b"nosuch"]) == {"server", "nosuch"}
    assert select_sections([b"module_list"]) == {"modules"}
    assert select_sections([b"default", b"commandstats"]) == DEFAULT_SECTIONS | {"commandstats"}


@pytest.mark.parametrize("name", [b"a b", b"a\nb", b"\x7f", b"caf\xc3\xa9", b"tab\there"])
def test_names_reject_spaces_and_special_characters(name):
    with pytest.raises(CommandError) as e:
        validate_name(name)
    assert e.value.msg == b"ERR Client names cannot contain spaces, newlines or special characters."


def test_names_accept_printable_ascii():
    validate_name(b"")
    validate_name(bytes(range(33, 127)))
