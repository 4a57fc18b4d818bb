"""Config directives, each declared once: name, kind, default, alias, mutability, limits.

A ``Directive`` knows how to parse its words (from a config-file line, the command line or
CONFIG SET), how to render its value the way CONFIG GET shows it, and how CONFIG REWRITE
writes it back.  The declarations themselves live in ``directives.py`` (the standard
kinds) and ``specials.py`` (directives with their own syntax: ``save``, ``bind``, ...).

Kinds, as in Redis's ``config.c``:
  * ``bool`` -- ``yes``/``no``;
  * ``int`` -- a number with flags ``memory`` (``1gb``), ``percent`` (``10%``, stored
    negative), ``octal``; ``unsigned`` marks C's unsigned types, whose bounds check and
    error text use unsigned arithmetic;
  * ``string`` -- free text; ``empty_is_null`` strings are absent from the rewritten file
    when empty;
  * ``enum`` -- one of ``choices`` (several words OR'ed together when ``flags_enum``);
  * ``special`` -- ``parse``/``render``/``rewrite`` functions of its own.

``Config`` holds the current values (Python values: ``int``, ``bool``, ``str``, or what
a special directive documents) keyed by canonical name: ``config["port"]``.  A
directive's ``apply`` hook (``apply(server, config)``) runs after CONFIG SET changed it;
subsystems may install hooks at import time: ``DIRECTIVES["maxmemory"].apply = fn``.
``active`` marks what Vermilion acts on; the others are accepted (a warning is logged
once at startup when a file or the command line sets them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..protocol.errors import CommandError

INT_MAX = 2**31 - 1
INT_MIN = -(2**31)
UINT_MAX = 2**32 - 1
LONG_MAX = LLONG_MAX = 2**63 - 1
ULLONG_MAX = 2**64 - 1

MEMORY_UNITS = {
    "": 1, "b": 1, "k": 1000, "kb": 1024, "m": 1000**2, "mb": 1024**2, "g": 1000**3, "gb": 1024**3,
}


class ConfigValueError(Exception):
    """A directive's value is invalid; ``str(e)`` is Redis's reason text."""


# ---- C parsing helpers, as strict (or as lax) as the functions Redis calls ----------


def string2ll(s: str) -> int | None:
    """Redis's ``string2ll``: no spaces, no ``+``, no leading zeros, 64-bit range."""
    n = len(s)
    if n == 0 or n > 20:
        return None
    if s == "0":
        return 0
    body = s[1:] if s[0] == "-" else s
    if not body or not body.isascii() or not body.isdigit() or body[0] == "0":
        return None
    v = int(s)
    if v > LLONG_MAX or v < -(2**63):
        return None
    return v


def c_strtoll(s: str, base: int = 10) -> tuple[int, str]:
    """C's ``strtoll``: leading spaces and a sign allowed; returns (value, unparsed rest).

    With no digits at all the rest is the whole string (``endptr == nptr``).
    """
    i, n = 0, len(s)
    while i < n and s[i] in " \t\n\v\f\r":
        i += 1
    j = i
    if j < n and s[j] in "+-":
        j += 1
    digits = "0123456789"[:base]
    k = j
    while k < n and s[k] in digits:
        k += 1
    if k == j:
        return 0, s
    v = int(s[i:k], base)
    return max(-(2**63), min(LLONG_MAX, v)), s[k:]


def parse_bool(raw: str) -> bool:
    low = raw.lower()
    if low == "yes":
        return True
    if low == "no":
        return False
    raise ConfigValueError("argument must be 'yes' or 'no'")


def memtoull(raw: str) -> int | None:
    """Redis's ``memtoull``: digits then an optional unit (b, k, kb, m, mb, g, gb).

    ``""`` and a bare unit read as 0, as in Redis (strtoull of no digits is 0).
    """
    if raw.startswith("-"):
        return None
    i = 0
    while i < len(raw) and raw[i] in "0123456789":
        i += 1
    mul = MEMORY_UNITS.get(raw[i:].lower())
    if mul is None:
        return None
    val = min(int(raw[:i]), ULLONG_MAX) if i else 0
    return (val * mul) & ULLONG_MAX


def parse_memory(raw: str) -> int:
    v = memtoull(raw)
    if v is None:
        raise ConfigValueError("argument must be a memory value")
    return v


def format_memory(n: int) -> str:
    """``rewriteConfigFormatMemory``: the largest exact gb/mb/kb unit."""
    for unit, size in (("gb", 1024**3), ("mb", 1024**2), ("kb", 1024)):
        if n and n % size == 0:
            return f"{n // size}{unit}"
    return str(n)


def repr_arg(value: str) -> str:
    """``sdscatrepr``: a double-quoted string with C escapes, as config files read it."""
    out = ['"']
    for ch in value.encode("utf-8", "surrogateescape"):
        c = chr(ch)
        if c in '\\"':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif c == "\a":
            out.append("\\a")
        elif c == "\b":
            out.append("\\b")
        elif 32 <= ch < 127:
            out.append(c)
        else:
            out.append("\\x%02x" % ch)
    out.append('"')
    return "".join(out)


# ---- the declaration ------------------------------------------------------------------


@dataclass(slots=True)
class Directive:
    name: str
    kind: str  # "bool" | "int" | "string" | "enum" | "special"
    default: Any
    alias: str | None = None
    mutable: bool = True
    protected: bool = False  # CONFIG SET needs enable-protected-configs
    hidden: bool = False  # CONFIG GET answers only its exact name
    sensitive: bool = False  # redacted from SLOWLOG/MONITOR
    active: bool = False  # Vermilion acts on it
    min: int = 0
    max: int = 0
    memory: bool = False
    percent: bool = False
    octal: bool = False
    unsigned: bool = False
    empty_is_null: bool = False  # string: "" means unset (no line in a rewritten file)
    choices: tuple[tuple[str, int], ...] = ()  # enum: (name, value), Redis's order
    flags_enum: bool = False  # enum: several words OR'ed together
    multi_arg: bool = False  # takes several words
    validate: Callable[[Any], str | None] | None = None  # error text, or None if valid
    apply: Callable[[Any, Any], None] | None = None  # (server, config) after CONFIG SET
    # special directives:
    parse_words: Callable[[list[str], Any], Any] | None = None  # (words, current) -> value
    render_value: Callable[[Any], str] | None = None
    rewrite_lines: Callable[[Any, "Directive", Any], tuple[list[str], bool] | None] | None = None
    extra: dict = field(default_factory=dict)

    # ---- parsing ----

    def parse(self, words: list[str], current: Any = None) -> Any:
        """The value of ``words`` (one word unless ``multi_arg``), or ConfigValueError."""
        kind = self.kind
        if kind == "special":
            return self.parse_words(words, current)  # type: ignore[misc]
        if kind == "enum":
            v = self._parse_enum(words)
        else:
            raw = words[0]
            if kind == "bool":
                v = parse_bool(raw)
            elif kind == "int":
                v = self._parse_int(raw)
            else:
                v = raw
        if self.validate is not None:
            msg = self.validate(v)
            if msg:
                raise ConfigValueError(msg)
        return v

    def _parse_int(self, raw: str) -> int:
        v: int | None = None
        if self.memory:
            v = memtoull(raw)
        if v is None and self.percent and len(raw) > 1 and raw[-1] == "%":
            p = string2ll(raw[:-1])
            if p is not None and p >= 0:
                v = -p
        if v is None and self.octal:
            o, rest = c_strtoll(raw, 8)
            if rest == "":
                v = o
        if v is None and not (self.memory or self.percent or self.octal):
            v = string2ll(raw)
        if v is None:
            if self.memory and self.percent:
                raise ConfigValueError("argument must be a memory or percent value")
            if self.memory:
                raise ConfigValueError("argument must be a memory value")
            if self.octal:
                raise ConfigValueError("argument couldn't be parsed as an octal number")
            raise ConfigValueError("argument couldn't be parsed into an integer")
        if v > LLONG_MAX:  # memtoull's unsigned result, reinterpreted as long long
            v -= 2**64
        if self.unsigned:
            u = v & ULLONG_MAX
            if u > self.max or u < self.min:
                if self.octal:
                    raise ConfigValueError(f"argument must be between {self.min:o} and {self.max:o} inclusive")
                raise ConfigValueError(f"argument must be between {self.min} and {self.max} inclusive")
            return u
        if self.percent and v < 0:
            if v < self.min:
                raise ConfigValueError(f"percentage argument must be less or equal to {-self.min}")
            return v
        if v > self.max or v < self.min:
            raise ConfigValueError(f"argument must be between {self.min} and {self.max} inclusive")
        return v

    def _parse_enum(self, words: list[str]) -> str:
        total = 0
        ok = bool(words)
        if not self.flags_enum and len(words) != 1:
            ok = False
        for w in words if ok else ():
            low = w.lower()
            for name, val in self.choices:
                if name == low:
                    total |= val
                    break
            else:
                ok = False
                break
        if not ok:
            names = ", ".join(n for n, _ in self.choices)
            raise ConfigValueError(f"argument(s) must be one of the following: {names}")
        # Stored by name; names sharing a value ("yes"/"relative") read back as the first.
        return self.enum_name(total)

    def enum_name(self, val: int) -> str:
        """``configEnumGetName``: the exact match, else the flag names in enum order."""
        names = []
        unmatched = val
        for name, v in self.choices:
            if v == val:
                return name
            if self.flags_enum and v and v == (unmatched & v):
                names.append(name)
                unmatched &= ~v
        return " ".join(names) if names and not unmatched else "unknown"

    def enum_value(self, name: str) -> int:
        total = 0
        for word in name.split():
            for n, v in self.choices:
                if n == word:
                    total |= v
        return total

    # ---- rendering ----

    def render(self, value: Any) -> str:
        kind = self.kind
        if kind == "bool":
            return "yes" if value else "no"
        if kind == "int":
            if self.percent and value < 0:
                return f"{-value}%"
            if self.octal:
                return f"{value:o}"
            return str(value)
        if kind == "special":
            return self.render_value(value)  # type: ignore[misc]
        return value

    def rewrite(self, value: Any) -> tuple[list[str], bool] | None:
        """``(lines, force)`` for CONFIG REWRITE; None drops the directive's lines."""
        kind = self.kind
        name = self.name
        if kind == "special":
            return self.rewrite_lines(value, self, None)  # type: ignore[misc]
        force = value != self.default
        if kind == "bool":
            return [f"{name} {'yes' if value else 'no'}"], force
        if kind == "int":
            if self.percent and value < 0:
                return [f"{name} {-value}%"], force
            if self.memory:
                return [f"{name} {format_memory(value)}"], force
            if self.octal:
                return [f"{name} {value:o}"], force
            return [f"{name} {value}"], force
        if kind == "string":
            if self.empty_is_null and value == "":
                return None
            return [f"{name} {repr_arg(value)}"], force
        return [f"{name} {value}"], force


DIRECTIVES: dict[str, Directive] = {}  # canonical name -> directive
NAMES: dict[str, Directive] = {}  # every name (canonical and alias) -> directive


def directive(name: str, kind: str, default: Any, **kw: Any) -> Directive:
    d = Directive(name, kind, default, **kw)
    DIRECTIVES[name] = d
    NAMES[name] = d
    if d.alias:
        NAMES[d.alias] = d
    return d


def canonical(name: str) -> str | None:
    d = NAMES.get(name.lower())
    return d.name if d is not None else None


def lookup(name: str) -> Directive | None:
    return NAMES.get(name.lower())


class Config:
    """Current values of every directive, keyed by canonical name."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {
            n: (d.default.copy() if isinstance(d.default, (list, dict)) else d.default)
            for n, d in DIRECTIVES.items()
        }
        for n, d in DIRECTIVES.items():
            if d.extra.get("init") is not None:
                self.values[n] = d.extra["init"]()
        self.file: str | None = None  # absolute path of the config file, for REWRITE
        self.user_set: dict[str, None] = {}  # directives a file or the command line set
        self.users: list[list[str]] = []  # "user" lines, for the ACL subsystem
        self.rename_commands: list[tuple[str, str]] = []
        self.load_modules: list[list[str]] = []
        self.extra_module_configs: dict[str, str] = {}
        self.read_stdin = False
        self.loading_file = False  # the first "save" line of a file resets the defaults
        self.save_loaded = False

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self.values[name] = value

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def set_from_strings(self, name: str, words: list[str]) -> None:
        """Apply a directive as read from a config file or the command line."""
        d = lookup(name)
        if d is None:
            raise ConfigValueError("Bad directive or wrong number of arguments")
        if not d.multi_arg and len(words) != 1:
            raise ConfigValueError("wrong number of arguments")
        if d.multi_arg and len(words) == 1 and words[0]:
            # One non-empty argument of a multi-word directive is split again, so that
            # ``--save "3600 1 300 100"`` works; ``save ""`` stays one empty word.
            from ..protocol.resp_parser import split_args

            split = split_args(words[0].encode("utf-8", "surrogateescape")) or []
            words = [w.decode("utf-8", "surrogateescape") for w in split]
        self.values[d.name] = d.parse(words, self)
        self.user_set[d.name] = None

    def render(self, name: str) -> str:
        return DIRECTIVES[name].render(self.values[name])


def config_error(text: str) -> CommandError:
    return CommandError(b"ERR " + text.encode())


from . import directives  # noqa: E402,F401  (declares every directive)
