"""What the part-wise benchmark scripts (features.py, security.py) share: their command
line (``--quick``, ``--only``, ``--runs``, the executables, ``--out``), progress lines,
and medians and ratios (their Markdown block: report.rewrite_block)."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_part_args(doc: str, parts: tuple[str, ...], block: str, argv: list[str]) -> argparse.Namespace:
    """The common options; ``a.parts`` is the list of parts to run, ``a.n`` the request
    count of a redis-benchmark run (20,000 with ``--quick``, else 100,000)."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smaller counts, one run per server")
    p.add_argument("--only", default=",".join(parts), help=f"comma-separated parts (default {','.join(parts)})")
    p.add_argument("--runs", type=int, help="runs per server (default 2; --quick: 1)")
    p.add_argument("--python", default=os.path.join(REPO, ".venv", "bin", "python"))
    p.add_argument("--redis-server", default=shutil.which("redis-server") or "redis-server")
    p.add_argument("--redis-benchmark", default=shutil.which("redis-benchmark") or "redis-benchmark")
    p.add_argument("--out", help=f"rewrite the {block} block of this Markdown file")
    a = p.parse_args(argv)
    a.runs = a.runs or (1 if a.quick else 2)
    a.n = 20_000 if a.quick else 100_000
    a.parts = [x for x in a.only.split(",") if x]
    bad = set(a.parts) - set(parts)
    if bad:
        p.error(f"unknown part(s): {', '.join(sorted(bad))}")
    return a


def progress(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def med(xs: list) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def ratio(v: float | None, r: float | None) -> str:
    return f"{v / r:.2f}" if v and r else "-"


def num(x: float | None, spec: str = ",.0f") -> str:
    return "-" if x is None else format(x, spec)
