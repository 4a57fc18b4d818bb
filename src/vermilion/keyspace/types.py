"""Value classes and their Redis type names and encodings.

Each data-type module registers its value class once::

    register_type(ListValue, b"list", lambda v, server: b"listpack" if ... else b"quicklist")

``type_name(value)`` answers TYPE (and SCAN TYPE); ``encoding(value, server)`` answers
OBJECT ENCODING; ``copy_value(value)`` is COPY's deep copy (value classes implement
``copy()``).  Strings are plain ``bytes`` and are registered here.
"""

from __future__ import annotations

from typing import Any, Callable

from ..protocol.resp_parser import string2ll

TYPE_NAMES: dict[type, bytes] = {}
ENCODERS: dict[type, Callable[[Any, Any], bytes]] = {}


def register_type(cls: type, name: bytes, encoding: Callable[[Any, Any], bytes]) -> None:
    TYPE_NAMES[cls] = name
    ENCODERS[cls] = encoding


def type_name(value: Any) -> bytes:
    return TYPE_NAMES.get(type(value), b"none") if value is not None else b"none"


def encoding(value: Any, server: Any = None) -> bytes:
    fn = ENCODERS.get(type(value))
    return fn(value, server) if fn is not None else b"raw"


def copy_value(value: Any) -> Any:
    """An independent copy of ``value`` for COPY.

    The protocol: ``bytes`` are immutable and shared as they are; every other value
    class implements ``copy()`` returning a deep copy (no structure shared with the
    original: later writes to one must not show in the other).  A class without
    ``copy()`` falls back to ``copy.deepcopy``.
    """
    if type(value) is bytes:
        return value
    fn = getattr(value, "copy", None)
    if fn is not None:
        return fn()
    import copy  # noqa: PLC0415

    return copy.deepcopy(value)


def string_encoding(value: bytes, server: Any = None) -> bytes:
    """Redis's rules: ``int`` when the value is a canonical 64-bit integer of at most 20
    characters, ``embstr`` up to 44 bytes, else ``raw``."""
    if len(value) <= 20 and string2ll(value) is not None:
        return b"int"
    return b"embstr" if len(value) <= 44 else b"raw"


register_type(bytes, b"string", string_encoding)
