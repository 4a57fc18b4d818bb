"""Turning measurements into text: the machine description, the tables (plain text for
the terminal, Markdown for docs/benchmarks.md) and the rewrite of the results section,
which sits between the two marker comments below and is the only part of the file
``--out`` replaces.
"""

from __future__ import annotations

import os
import platform
import subprocess

START = "<!-- results:start (written by bench/run.py --out; do not edit by hand) -->"
END = "<!-- results:end -->"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def interpreter_versions(python: str) -> dict[str, str]:
    """Python, uvloop and hiredis versions as seen by the interpreter that runs Vermilion."""
    code = (
        "import os, sys, importlib.metadata as m\n"
        "print(sys.version.split()[0])\n"
        "print(os.path.realpath(sys.executable))\n"
        "for p in ('uvloop', 'hiredis'):\n"
        "    try: print(m.version(p))\n"
        "    except m.PackageNotFoundError: print('not installed')\n"
    )
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=30).stdout.split()
        return {"python": out[0], "path": out[1], "uvloop": out[2], "hiredis": out[3]}
    except (OSError, IndexError, subprocess.SubprocessError):
        return {"python": "unknown", "path": python, "uvloop": "unknown", "hiredis": "unknown"}


def tool_version(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine_lines(python: str, redis_server: str, redis_benchmark: str) -> list[str]:
    v = interpreter_versions(python)
    return [
        f"nproc: {len(os.sched_getaffinity(0))}, CPU: {cpu_model()}, {platform.system()} {platform.release()}",
        f"Vermilion interpreter: Python {v['python']} ({v['path']}), uvloop {v['uvloop']}, hiredis {v['hiredis']}",
        f"Redis: {tool_version([redis_server, '--version'])}",
        f"Client: {tool_version([redis_benchmark, '--version'])}",
    ]


def fmt(x: float | None, spec: str = ",.0f") -> str:
    return "n/a" if x is None else format(x, spec)


def table_text(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(out)


def table_md(headers: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def rewrite_results(path: str, section: str) -> None:
    """Replace the text between START and END in ``path`` (append both if absent)."""
    rewrite_block(path, START, END, section, heading="Results", new_file="# Benchmarks\n")


def rewrite_block(path: str, start: str, end: str, block: str, heading: str | None = None,
                  before: str | None = None, new_file: str = "") -> None:
    """Replace the text between ``start`` and ``end`` in ``path``; when they are absent,
    add the block (under ``## heading``) in front of the line ``before`` if the file has
    it, else at the end.  A missing file starts as ``new_file``."""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        text = new_file
    new = f"{start}\n{block.rstrip()}\n{end}"
    if start in text and end in text:
        head, _, rest = text.partition(start)
        text = head + new + rest.partition(end)[2]
    else:
        intro = f"## {heading}\n\n" if heading else ""
        if before and f"\n{before}" in text:
            head, _, tail = text.partition(f"\n{before}")
            text = head.rstrip() + f"\n\n{intro}{new}\n\n{before}" + tail
        else:
            text = text.rstrip() + f"\n\n{intro}{new}\n"
    with open(path, "w") as f:
        f.write(text)
