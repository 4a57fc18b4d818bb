"""redis.conf syntax: one directive per line, words split like ``sdssplitargs``,
``#`` comments, ``include`` of other files, and the redis-server command line.
"""

from __future__ import annotations

import os

from ..protocol.resp_parser import split_args
from .schema import Config, ConfigValueError


class ConfigFileError(Exception):
    """Rendered like Redis's ``*** FATAL CONFIG FILE ERROR ***`` block."""

    def __init__(self, line_no: int, line: str, reason: str) -> None:
        self.line_no, self.line, self.reason = line_no, line, reason
        super().__init__(reason)

    def render(self, version: str) -> str:
        return (
            f"\n*** FATAL CONFIG FILE ERROR (Redis {version}) ***\n"
            f"Reading the configuration file, at line {self.line_no}\n"
            f">>> '{self.line}'\n{self.reason}\n"
        )


def parse_lines(text: str) -> list[tuple[int, str, list[str]]]:
    """``[(line_no, raw_line, words)]`` for each non-empty, non-comment line."""
    out = []
    for no, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = split_args(line.encode())
        if words is None:
            raise ConfigFileError(no, line, "Unbalanced quotes in configuration line")
        if words:
            out.append((no, line, [w.decode("utf-8", "surrogateescape") for w in words]))
    return out


def load_text(config: Config, text: str, base_dir: str = ".", depth: int = 0) -> None:
    for no, line, words in parse_lines(text):
        name = words[0].lower()
        if name == "include" and len(words) == 2:
            path = os.path.join(base_dir, words[1])
            with open(path) as f:
                load_text(config, f.read(), os.path.dirname(path), depth + 1)
            continue
        try:
            config.set_from_strings(name, words[1:])
        except ConfigValueError as e:
            raise ConfigFileError(no, line, str(e)) from None


def command_line_to_text(args: list[str]) -> str:
    """redis-server's ``--name value ...`` options as config-file lines."""
    lines: list[str] = []
    cur: list[str] = []
    for a in args:
        if a.startswith("--") and len(a) > 2:
            if cur:
                lines.append(" ".join(cur))
            cur = [a[2:]]
        else:
            quoted = '"' + a.replace("\\", "\\\\").replace('"', '\\"') + '"'
            cur.append(quoted if cur else a)
    if cur:
        lines.append(" ".join(cur))
    return "\n".join(lines)
