"""Config directives, each declared once: name, type, default, aliases, mutability.

``Config`` holds the current values (as Python values: ``int``, ``bool``, ``str``) and
renders them for CONFIG GET as Redis does.  CONFIG GET/SET/REWRITE, the config-file
parser, the command line and INFO all read these declarations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..protocol.errors import CommandError

MEMORY_UNITS = {
    "k": 1000, "kb": 1024, "m": 1000**2, "mb": 1024**2, "g": 1000**3, "gb": 1024**3,
}


class ConfigValueError(Exception):
    """A directive's value is invalid; ``args`` holds Redis's message."""


def parse_bool(raw: str) -> bool:
    low = raw.lower()
    if low == "yes":
        return True
    if low == "no":
        return False
    raise ConfigValueError("argument must be 'yes' or 'no'")


def parse_memory(raw: str) -> int:
    """Redis's memtoull: an integer with an optional k/kb/m/mb/g/gb unit."""
    low = raw.lower()
    mul = 1
    for unit in ("kb", "mb", "gb", "k", "m", "g", "b"):
        if low.endswith(unit):
            mul = MEMORY_UNITS.get(unit, 1)
            low = low[: -len(unit)]
            break
    if not low or not (low.isdigit() or (low[0] == "-" and low[1:].isdigit())):
        raise ConfigValueError("argument must be a memory value")
    return int(low) * mul


@dataclass(slots=True)
class Directive:
    name: str
    kind: str  # "bool" | "int" | "memory" | "string" | "enum" | "special"
    default: Any
    aliases: tuple[str, ...] = ()
    mutable: bool = True
    min: int | None = None
    max: int | None = None
    choices: tuple[str, ...] = ()
    multi_arg: bool = False  # takes several words (e.g. "save 3600 1", "bind a b")
    apply: Callable[[Any, Any], None] | None = None  # (server, new value) after CONFIG SET
    sensitive: bool = False

    def parse(self, raw: str) -> Any:
        if self.kind == "bool":
            return parse_bool(raw)
        if self.kind in ("int", "memory"):
            if self.kind == "memory":
                v = parse_memory(raw)
            else:
                try:
                    v = int(raw)
                except ValueError:
                    raise ConfigValueError("argument couldn't be parsed into an integer") from None
            if (self.min is not None and v < self.min) or (self.max is not None and v > self.max):
                raise ConfigValueError(f"argument must be between {self.min} and {self.max} inclusive")
            return v
        if self.kind == "enum":
            low = raw.lower()
            if low not in self.choices:
                raise ConfigValueError("argument(s) must be one of the following: " + ", ".join(self.choices))
            return low
        return raw

    def render(self, value: Any) -> str:
        if self.kind == "bool":
            return "yes" if value else "no"
        if self.kind in ("int", "memory"):
            return str(value)
        return str(value)


DIRECTIVES: dict[str, Directive] = {}
ALIASES: dict[str, str] = {}


def directive(name: str, kind: str, default: Any, **kw: Any) -> Directive:
    d = Directive(name, kind, default, **kw)
    DIRECTIVES[name] = d
    for a in d.aliases:
        ALIASES[a] = name
    return d


def canonical(name: str) -> str | None:
    low = name.lower()
    if low in DIRECTIVES:
        return low
    return ALIASES.get(low)


# ---- the directives Vermilion acts on (more are declared in directives.py) ----
directive("port", "int", 6379, min=0, max=65535, mutable=True)
directive("bind", "string", "* -::*", multi_arg=True)
directive("unixsocket", "string", "", mutable=False)
directive("unixsocketperm", "int", 0, mutable=False)
directive("databases", "int", 16, min=1, max=2**31 - 1, mutable=False)
directive("requirepass", "string", "", sensitive=True)
directive("logfile", "string", "", mutable=False)
directive("loglevel", "enum", "notice", choices=("debug", "verbose", "notice", "warning", "nothing"))
directive("daemonize", "bool", False, mutable=False)
directive("hz", "int", 10, min=0, max=2**31 - 1)
directive("maxclients", "int", 10000, min=1, max=2**31 - 1)
directive("timeout", "int", 0, min=0, max=2**31 - 1)
directive("tcp-keepalive", "int", 300, min=0, max=2**31 - 1)
directive("tcp-backlog", "int", 511, min=0, max=2**31 - 1, mutable=False)
directive("proto-max-bulk-len", "memory", 512 * 1024 * 1024, min=1024 * 1024, max=2**63 - 1)
directive("client-query-buffer-limit", "memory", 1024 * 1024 * 1024, min=1024 * 1024, max=2**63 - 1)
directive("dir", "string", ".")
directive("dbfilename", "string", "dump.rdb")
directive("protected-mode", "bool", True)


class Config:
    """Current values of every directive, keyed by canonical name."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {n: d.default for n, d in DIRECTIVES.items()}
        self.file: str | None = None  # absolute path of the config file, for REWRITE

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def set_from_strings(self, name: str, words: list[str]) -> None:
        """Apply a directive as read from a config file or the command line."""
        canon = canonical(name)
        if canon is None:
            raise ConfigValueError("Bad directive or wrong number of arguments")
        d = DIRECTIVES[canon]
        raw = " ".join(words) if d.multi_arg or len(words) != 1 else words[0]
        self.values[canon] = d.parse(raw)

    def render(self, name: str) -> str:
        return DIRECTIVES[name].render(self.values[name])


def config_error(text: str) -> CommandError:
    return CommandError(b"ERR " + text.encode())
