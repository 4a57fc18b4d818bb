"""Directives with a syntax of their own (Redis's ``createSpecialConfig``).

Values, as other subsystems read them from ``config[...]``:
  * ``save`` -- list of ``(seconds, changes)``;
  * ``bind`` -- the addresses joined by one space (``"* -::*"``);
  * ``client-output-buffer-limit`` -- ``{"normal"|"slave"|"pubsub": (hard, soft, seconds)}``;
  * ``oom-score-adj-values`` -- ``(primary, replica, bgchild)``;
  * ``notify-keyspace-events`` -- an ``int`` of the ``NOTIFY_*`` bits below;
  * ``replicaof`` -- ``None`` or ``(host, port)``;
  * ``latency-tracking-info-percentiles`` -- list of floats;
  * ``dir`` -- the absolute working directory (setting it ``chdir``s, as Redis does).
"""

from __future__ import annotations

import os
from typing import Any

from .schema import ConfigValueError, c_strtoll, format_memory, memtoull, repr_arg

# ---- notify-keyspace-events -----------------------------------------------------------

NOTIFY_KEYSPACE = 1 << 0  # K
NOTIFY_KEYEVENT = 1 << 1  # E
NOTIFY_GENERIC = 1 << 2  # g
NOTIFY_STRING = 1 << 3  # $
NOTIFY_LIST = 1 << 4  # l
NOTIFY_SET = 1 << 5  # s
NOTIFY_HASH = 1 << 6  # h
NOTIFY_ZSET = 1 << 7  # z
NOTIFY_EXPIRED = 1 << 8  # x
NOTIFY_EVICTED = 1 << 9  # e
NOTIFY_STREAM = 1 << 10  # t
NOTIFY_KEY_MISS = 1 << 11  # m
NOTIFY_LOADED = 1 << 12  # module only
NOTIFY_MODULE = 1 << 13  # d
NOTIFY_NEW = 1 << 14  # n
NOTIFY_ALL = (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET
              | NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE)

_EVENT_CHARS = {
    "A": NOTIFY_ALL, "g": NOTIFY_GENERIC, "$": NOTIFY_STRING, "l": NOTIFY_LIST, "s": NOTIFY_SET,
    "h": NOTIFY_HASH, "z": NOTIFY_ZSET, "x": NOTIFY_EXPIRED, "e": NOTIFY_EVICTED,
    "K": NOTIFY_KEYSPACE, "E": NOTIFY_KEYEVENT, "t": NOTIFY_STREAM, "m": NOTIFY_KEY_MISS,
    "d": NOTIFY_MODULE, "n": NOTIFY_NEW,
}
_EVENT_ORDER = (("g", NOTIFY_GENERIC), ("$", NOTIFY_STRING), ("l", NOTIFY_LIST), ("s", NOTIFY_SET),
                ("h", NOTIFY_HASH), ("z", NOTIFY_ZSET), ("x", NOTIFY_EXPIRED), ("e", NOTIFY_EVICTED),
                ("t", NOTIFY_STREAM), ("d", NOTIFY_MODULE), ("n", NOTIFY_NEW))


def keyspace_events_to_flags(s: str) -> int | None:
    flags = 0
    for ch in s:
        bit = _EVENT_CHARS.get(ch)
        if bit is None:
            return None
        flags |= bit
    return flags


def keyspace_flags_to_string(flags: int) -> str:
    if flags & NOTIFY_ALL == NOTIFY_ALL:
        out = "A"
    else:
        out = "".join(ch for ch, bit in _EVENT_ORDER if flags & bit)
    if flags & NOTIFY_KEYSPACE:
        out += "K"
    if flags & NOTIFY_KEYEVENT:
        out += "E"
    if flags & NOTIFY_KEY_MISS:
        out += "m"
    return out


def parse_notify(words: list[str], config: Any) -> int:
    if len(words) != 1:
        raise ConfigValueError("wrong number of arguments")
    flags = keyspace_events_to_flags(words[0])
    if flags is None:
        raise ConfigValueError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
    return flags


def rewrite_notify(value: int, d: Any, _: Any) -> tuple[list[str], bool]:
    return [f"{d.name} {repr_arg(keyspace_flags_to_string(value))}"], value != 0


# ---- save ----------------------------------------------------------------------------

SAVE_DEFAULT = [(3600, 1), (300, 100), (60, 10000)]


def parse_save(words: list[str], config: Any) -> list[tuple[int, int]]:
    if len(words) == 1 and words[0] == "":
        words = []
    if len(words) & 1:
        raise ConfigValueError("Invalid save parameters")
    pairs = []
    for j in range(0, len(words), 2):
        seconds, rest_s = c_strtoll(words[j])
        changes, rest_c = c_strtoll(words[j + 1])
        if rest_s or rest_c or seconds < 1 or changes < 0:
            raise ConfigValueError("Invalid save parameters")
        pairs.append((seconds, changes))
    # While a config file loads, "save" lines accumulate (the first one drops the
    # defaults); CONFIG SET replaces the whole list.
    if config is not None and getattr(config, "loading_file", False):
        if config.save_loaded:
            return list(config["save"]) + pairs
        config.save_loaded = True
    return pairs


def render_save(value: list[tuple[int, int]]) -> str:
    return " ".join(f"{s} {c}" for s, c in value)


def rewrite_save(value: list[tuple[int, int]], d: Any, _: Any) -> tuple[list[str], bool]:
    if not value:
        return ['save ""'], True
    return [f"save {s} {c}" for s, c in value], True


# ---- bind ----------------------------------------------------------------------------

BIND_DEFAULT = "* -::*"


def parse_bind(words: list[str], config: Any) -> str:
    if len(words) > 16:
        raise ConfigValueError("Too many bind addresses specified.")
    if len(words) == 1 and words[0] == "":
        words = []
    return " ".join(words)


def rewrite_bind(value: str, d: Any, _: Any) -> tuple[list[str], bool] | None:
    if value == BIND_DEFAULT:
        return None
    return [f"bind {value if value else chr(34) * 2}"], True


# ---- client-output-buffer-limit ------------------------------------------------------

COBL_CLASSES = ("normal", "slave", "pubsub")
COBL_DEFAULT = {"normal": (0, 0, 0), "slave": (256 * 1024 * 1024, 64 * 1024 * 1024, 60),
                "pubsub": (32 * 1024 * 1024, 8 * 1024 * 1024, 60)}
_CLIENT_TYPES = {"normal": "normal", "slave": "slave", "replica": "slave", "pubsub": "pubsub", "master": None}


def parse_cobl(words: list[str], config: Any) -> dict[str, tuple[int, int, int]]:
    if len(words) % 4:
        raise ConfigValueError("Wrong number of arguments in buffer limit configuration.")
    current = config["client-output-buffer-limit"] if config is not None else COBL_DEFAULT
    new = dict(current)
    for j in range(0, len(words), 4):
        cls = _CLIENT_TYPES.get(words[j].lower(), None)
        if cls is None:
            raise ConfigValueError("Invalid client class specified in buffer limit configuration.")
        hard = memtoull(words[j + 1])
        soft = memtoull(words[j + 2])
        secs, rest = c_strtoll(words[j + 3])
        if hard is None or soft is None or secs < 0 or rest:
            raise ConfigValueError("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
        new[cls] = (hard, soft, secs)
    return new


def render_cobl(value: dict[str, tuple[int, int, int]]) -> str:
    return " ".join(f"{c} {value[c][0]} {value[c][1]} {value[c][2]}" for c in COBL_CLASSES)


def rewrite_cobl(value: dict, d: Any, _: Any) -> tuple[list[str], list[bool]]:
    lines, force = [], []
    for c in COBL_CLASSES:
        hard, soft, secs = value[c]
        force.append(tuple(value[c]) != COBL_DEFAULT[c])  # decided per class, as Redis does
        name = "replica" if c == "slave" else c
        lines.append(f"{d.name} {name} {format_memory(hard)} {format_memory(soft)} {secs}")
    return lines, force


# ---- oom-score-adj-values ------------------------------------------------------------

OOM_DEFAULT = (0, 200, 800)


def parse_oom(words: list[str], config: Any) -> tuple[int, int, int]:
    if len(words) != 3:
        raise ConfigValueError("wrong number of arguments")
    vals = []
    for w in words:
        v, rest = c_strtoll(w)
        if rest or v < -2000 or v > 2000:
            raise ConfigValueError("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
        vals.append(v)
    return (vals[0], vals[1], vals[2])


def render_oom(value: tuple[int, int, int]) -> str:
    return " ".join(str(v) for v in value)


def rewrite_oom(value: tuple, d: Any, _: Any) -> tuple[list[str], bool]:
    return [f"{d.name} {render_oom(value)}"], tuple(value) != OOM_DEFAULT


# ---- replicaof -----------------------------------------------------------------------


def parse_replicaof(words: list[str], config: Any) -> tuple[str, int] | None:
    if len(words) != 2:
        raise ConfigValueError("wrong number of arguments")
    if words[0].lower() == "no" and words[1].lower() == "one":
        return None
    port, rest = c_strtoll(words[1])
    if port < 0 or port > 65535 or rest:
        raise ConfigValueError("Invalid master port")
    return (words[0], port)


def render_replicaof(value: tuple[str, int] | None) -> str:
    return "" if value is None else f"{value[0]} {value[1]}"


def rewrite_replicaof(value: Any, d: Any, _: Any) -> tuple[list[str], bool] | None:
    if value is None:
        return None
    return [f"{d.name} {value[0]} {value[1]}"], True


# ---- latency-tracking-info-percentiles -----------------------------------------------

PERCENTILES_DEFAULT = [50.0, 99.0, 99.9]


def _string2d(s: str) -> float | None:
    """Redis's ``string2d``: C ``strtod`` over the whole string (hex floats included),
    no leading space, no NaN."""
    if not s or s[0] in " \t\n\r\v\f" or s[-1] in " \t\n\r\v\f" or "_" in s:
        return None
    body = s[1:] if s[0] in "+-" else s
    try:
        if body[:2].lower() == "0x":
            v = float.fromhex(s)
        else:
            v = float(s)
    except ValueError:
        return None
    return None if v != v else v


def parse_percentiles(words: list[str], config: Any) -> list[float]:
    if len(words) == 1 and words[0] == "":
        return []
    out = []
    for w in words:
        v = _string2d(w)
        if v is None:
            raise ConfigValueError("Invalid latency-tracking-info-percentiles parameters")
        if v > 100.0 or v < 0.0:
            raise ConfigValueError("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
        out.append(v)
    return out


def format_percentile(v: float) -> str:
    """``%f`` then ``trimDoubleString`` (drop trailing zeros and a trailing dot)."""
    s = "%f" % v
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def render_percentiles(value: list[float]) -> str:
    return " ".join(format_percentile(v) for v in value)


def rewrite_percentiles(value: list[float], d: Any, _: Any) -> tuple[list[str], bool]:
    if not value:
        return [f'{d.name} ""'], True
    return [f"{d.name} {render_percentiles(value)}"], True


# ---- dir -----------------------------------------------------------------------------


def parse_dir(words: list[str], config: Any) -> str:
    if len(words) != 1:
        raise ConfigValueError("wrong number of arguments")
    try:
        os.chdir(words[0].split("\x00", 1)[0])  # a C string ends at the first NUL
    except OSError as e:
        raise ConfigValueError(e.strerror or "error") from None
    return os.getcwd()


def render_dir(value: str) -> str:
    try:
        return os.getcwd()
    except OSError:
        return ""


def rewrite_dir(value: str, d: Any, _: Any) -> tuple[list[str], bool]:
    return [f"dir {repr_arg(render_dir(value))}"], True
