"""redis.conf syntax and the redis-server command line.

A config text is split on ``\\n``; each line is trimmed of `` \\t\\r\\n``; blank lines and
lines starting with ``#`` are skipped; the rest is split into words like ``sdssplitargs``
(quotes, escapes).  The first word, lower-cased, names the directive:

  * a declared directive takes exactly one word (several for multi-word directives such
    as ``save``, ``bind``); a repeated directive replaces the value, except ``save``
    which accumulates within the file (the first ``save`` line drops the defaults);
  * ``include <path|glob>`` loads another file at that point (a glob that matches
    nothing is skipped; a plain path that cannot be opened is fatal);
  * ``rename-command``, ``user``, ``loadmodule`` accumulate in the Config (the
    subsystems that own them read them); ``module.name value`` lines are kept for
    modules; the deprecated ``list-max-ziplist-entries|value`` and
    ``lua-replicate-commands`` are ignored;
  * anything else is fatal: ``Bad directive or wrong number of arguments``.

Errors are Redis's fatal block (``ConfigFileError.render``), exit code 1.

The command line (``[file] [--name value ...] [-]``) is turned into config text the way
redis-server's ``main()`` does: each ``--name`` starts a line, each value is appended
quoted with ``sdscatrepr``; ``--save`` with no value means ``save ""``; the text is
appended after the file (and stdin) content, after one newline.
"""

from __future__ import annotations

import glob as globlib
import os
import sys

from ..protocol.resp_parser import split_args
from .schema import Config, ConfigValueError, lookup, repr_arg

DEPRECATED = {"list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands"}


class ConfigFileError(Exception):
    """Rendered like Redis's ``*** FATAL CONFIG FILE ERROR ***`` block."""

    def __init__(self, line_no: int | None, line: str, reason: str) -> None:
        self.line_no, self.line, self.reason = line_no, line, reason
        super().__init__(reason)

    def render(self, version: str) -> str:
        out = f"\n*** FATAL CONFIG FILE ERROR (Redis {version}) ***\n"
        if self.line_no is not None:
            out += f"Reading the configuration file, at line {self.line_no}\n>>> '{self.line}'\n"
        return out + f"{self.reason}\n"


class ConfigOpenError(Exception):
    """``Fatal error, can't open config file '<path>': <strerror>`` (logged, exit 1)."""

    def __init__(self, path: str, strerror: str) -> None:
        self.path, self.strerror = path, strerror
        super().__init__(f"Fatal error, can't open config file '{path}': {strerror}")


def _decode(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def read_config_file(path: str) -> str:
    """The text of ``path``; a glob pattern reads every match in order (none: empty)."""
    if any(ch in path for ch in "*?["):
        text = ""
        for match in sorted(globlib.glob(path)):
            text += _read(match)
        return text
    return _read(path)


def _read(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return _decode(f.read())
    except OSError as e:
        raise ConfigOpenError(path, e.strerror or str(e)) from None


def load_text(config: Config, text: str, base_dir: str | None = None, depth: int = 0) -> None:
    """Apply config text (``loadServerConfigFromString``); raises ConfigFileError.

    ``include`` paths are used as written (relative to the working directory, as in
    Redis); ``base_dir`` is accepted for callers that loaded a file from elsewhere.
    """
    lines = text.split("\n")
    config.loading_file = True
    try:
        for no, raw in enumerate(lines, 1):
            line = raw.strip(" \t\r\n")
            if not line or line[0] == "#":
                continue
            words_b = split_args(line.encode("utf-8", "surrogateescape"))
            if words_b is None:
                raise ConfigFileError(no, line, "Unbalanced quotes in configuration line")
            if not words_b:
                continue
            words = [_decode(w) for w in words_b]
            name = words[0].lower()
            try:
                _apply_line(config, name, words, depth)
            except ConfigValueError as e:
                raise ConfigFileError(no, line, str(e)) from None
    finally:
        config.loading_file = False
    if depth == 0:
        _sanity_checks(config)


def _apply_line(config: Config, name: str, words: list[str], depth: int) -> None:
    d = lookup(name)
    argc = len(words)
    if d is not None:
        config.set_from_strings(name, words[1:])
        return
    if name in DEPRECATED and argc == 2:
        return
    if name == "include" and argc == 2:
        if depth > 64:
            raise ConfigValueError("Too many nested include directives")
        load_text(config, read_config_file(words[1]), None, depth + 1)
    elif name == "rename-command" and argc == 3:
        names = _command_names_after_renames(config)
        old, new = words[1].lower(), words[2].lower()
        if old not in names:
            raise ConfigValueError("No such command in rename-command")
        if new and new in names and new != old:
            raise ConfigValueError("Target command name already exists")
        config.rename_commands.append((words[1], words[2]))
    elif name == "user" and argc >= 2:
        config.users.append(words[1:])
    elif name == "loadmodule" and argc >= 2:
        config.load_modules.append(words[1:])
    elif "." in name:
        if argc != 2:
            raise ConfigValueError("Module config specified without value")
        config.extra_module_configs[name] = words[1]
    elif name == "sentinel":
        if argc != 1:
            raise ConfigValueError("sentinel directive while not in sentinel mode")
    else:
        raise ConfigValueError("Bad directive or wrong number of arguments")


def _command_names_after_renames(config: Config) -> set[str]:
    from .. import commands  # noqa: F401  (the command table, frozen)
    from ..commands.registry import COMMANDS

    names = {n.decode() for n in COMMANDS}
    for old, new in config.rename_commands:
        names.discard(old.lower())
        if new:
            names.add(new.lower())
    return names


def apply_renames(config: Config) -> None:
    """Apply ``rename-command`` lines to the command table (once, at server start).

    As in Redis, the command keeps its own name (COMMAND INFO shows it) but is looked
    up only under the new one; an empty new name removes the command.
    """
    from ..commands.registry import COMMANDS, DISPATCH

    for old, new in config.rename_commands:
        key = old.lower().encode()
        spec = COMMANDS.pop(key)
        for k in [k for k, v in DISPATCH.items() if v is spec]:
            del DISPATCH[k]
        if new:
            nk = new.lower().encode()
            COMMANDS[nk] = spec
            DISPATCH[nk] = spec
            DISPATCH[nk.upper()] = spec


def _sanity_checks(config: Config) -> None:
    logfile = config["logfile"]
    if logfile:
        try:
            with open(logfile.split("\x00", 1)[0], "a"):
                pass
        except OSError as e:
            raise ConfigFileError(None, "", f"Can't open the log file: {e.strerror}") from None
    if config["cluster-enabled"] and config["replicaof"] is not None:
        raise ConfigFileError(None, "", "replicaof directive not allowed in cluster mode")
    # As Redis, an out-of-range hz from a file is accepted and capped.
    config["hz"] = max(1, min(500, config["hz"]))


def command_line_to_text(args: list[str]) -> str:
    """redis-server's ``--name value ...`` options as config-file text (7.2's ``main``)."""
    parts: list[str] = []
    handled_last = True
    n = len(args)
    for j, a in enumerate(args):
        if handled_last and a.startswith("--"):
            if parts:
                parts.append("\n")
            parts.append(a[2:] + " ")
            words = split_args(a.encode("utf-8", "surrogateescape")) or []
            if len(words) == 1:
                handled_last = False
                nxt_is_opt = j != n - 1 and args[j + 1].startswith("--")
                if a.lower() == "--save" and (nxt_is_opt or j == n - 1):
                    parts.append('""')
                    handled_last = nxt_is_opt
            else:
                handled_last = True
        else:
            parts.append(repr_arg(a) + " ")
            handled_last = True
    return "".join(parts)


def build_config(argv: list[str], stdin=None) -> Config:
    """A Config from redis-server's arguments: ``[file] [--name value ...] [-]``.

    Raises ConfigFileError / ConfigOpenError.  ``-`` (first or last) reads stdin.
    """
    config = Config()
    args = list(argv)
    path = None
    if args and not args[0].startswith("-"):
        path = args.pop(0)
    from_stdin = False
    if args and args[0] == "-":
        from_stdin = True
        args.pop(0)
    elif args and args[-1] == "-":
        from_stdin = True
        args.pop()
    text = ""
    if path is not None:
        config.file = os.path.abspath(path)
        text = read_config_file(path)
    if from_stdin:
        config.read_stdin = True
        text += (stdin or sys.stdin).read()
    options = command_line_to_text(args)
    if options:
        text += "\n" + options
    load_text(config, text)
    return config
