"""Redis's bundled Lua libraries, which stock Lua 5.1 lacks: ``bit``, ``cjson``,
``struct`` and ``cmsgpack``.  Each module exposes ``build(runtime)`` returning the
library table; ``LIBS`` maps the global name to it."""

from __future__ import annotations

from typing import Any, Callable

from . import bit, cjson, cmsgpack, struct

LIBS: dict[bytes, Callable[[Any], Any]] = {
    b"cjson": cjson.build,
    b"bit": bit.build,
    b"struct": struct.build,
    b"cmsgpack": cmsgpack.build,
}
