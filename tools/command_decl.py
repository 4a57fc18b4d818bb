#!/usr/bin/env python3
"""Developer aid: print a ``@command(...)`` declaration skeleton for Redis commands.

Usage: ``python tools/command_decl.py --port 6379 get set client|kill``

It asks a running real redis-server for COMMAND INFO and COMMAND DOCS and prints the
declaration keywords (arity, flags, ACL categories, key specs, tips, docs, arguments) in
our declaration syntax, so a declaration starts from Redis's published facts.  The
printed text is a starting point to review (7.2 differs from 7.0 in places: follow 7.2's
documentation -- 7.2 rewrote every summary, e.g. "Get the value of a key" became
"Returns the string value of a key.", added history lines and a few arities); Vermilion's
source declarations remain the single source of truth, and
tests/compat/test_command_table_diff.py checks them against the real server.

``--group string`` prints every command of a COMMAND DOCS group; a container name
(``client``) prints the container and all of its subcommands.  Commands whose keys
cannot be found from their key specs alone (a VARIABLE_FLAGS, INCOMPLETE or unknown
spec) get a comment: commands/keys.py has Redis's getkeys procs for the built-in ones.
"""

from __future__ import annotations

import argparse
import pprint

import redis

IMPLIED_FLAG_CATS = {"write": "write", "readonly": "read", "admin": ("admin", "dangerous"), "pubsub": "pubsub",
                     "fast": "fast", "blocking": "blocking"}
SHOWN_FLAG_ORDER = None


def pairs(x):
    if isinstance(x, dict):
        return {k if isinstance(k, str) else k.decode(): v for k, v in x.items()}
    return {x[i].decode() if isinstance(x[i], bytes) else x[i]: x[i + 1] for i in range(0, len(x), 2)}


def dec(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, list):
        return [dec(i) for i in v]
    return v


def key_spec(spec) -> str:
    spec = pairs(spec)
    flags = " ".join(f.upper() for f in dec(spec["flags"]))
    bs = pairs(spec["begin_search"])
    fk = pairs(spec["find_keys"])
    bst, bss = dec(bs["type"]), pairs(bs["spec"]) if bs["spec"] else {}
    fkt, fks = dec(fk["type"]), pairs(fk["spec"]) if fk["spec"] else {}
    parts = [repr(flags)]
    if bst == "index":
        parts.append(str(bss["index"]))
    elif bst == "keyword":
        parts.append(f"keyword={dec(bss['keyword']).encode()!r}, startfrom={bss['startfrom']}")
    else:
        parts.append("unknown=True")
    if fkt == "range":
        if fks["lastkey"] != 0:
            parts.append(f"last={fks['lastkey']}")
        if fks["keystep"] != 1:
            parts.append(f"step={fks['keystep']}")
        if fks["limit"] != 0:
            parts.append(f"limit={fks['limit']}")
    elif fkt == "keynum":
        parts.append(f"keynum=({fks['keynumidx']}, {fks['firstkey']}, {fks['keystep']})")
    if "notes" in spec:
        parts.append(f"notes={dec(spec['notes'])!r}")
    return "ks(" + ", ".join(parts) + ")"


def args_src(args, indent: int) -> str:
    out = []
    for a in args:
        a = pairs(a)
        kw = []
        for k, v in a.items():
            if k in ("name", "type"):
                continue
            if k == "arguments":
                kw.append("arguments=(\n" + args_src(v, indent + 8) + " " * (indent + 4) + ")")
            elif k == "flags":
                kw.append(f"flags={tuple(dec(v))!r}")
            else:
                kw.append(f"{k}={dec(v)!r}")
        head = f"arg({dec(a['name'])!r}, {dec(a['type'])!r}"
        out.append(" " * indent + head + (", " + ", ".join(kw) if kw else "") + "),\n")
    return "".join(out)


class Raw:
    """redis-py's connection without its reply callbacks (COMMAND has a parsing one)."""

    def __init__(self, port: int) -> None:
        self.conn = redis.Connection(port=port, protocol=2)

    def execute_command(self, *args):
        self.conn.send_command(*args)
        return self.conn.read_response()


def declaration(r, name: str) -> str:
    parent, _, sub = name.partition("|")
    info = r.execute_command("COMMAND", "INFO", parent)[0]
    docs = pairs(r.execute_command("COMMAND", "DOCS", parent))
    doc = pairs(docs[parent.encode()] if parent.encode() in docs else docs[parent])
    if sub:
        subs = {dec(s[0]): s for s in info[9]}
        info = subs[name.lower()]
        sdocs = pairs(doc["subcommands"])
        doc = pairs(sdocs[name.lower().encode()] if name.lower().encode() in sdocs else sdocs[name.lower()])
    flags = [f for f in dec(info[2]) if f != "movablekeys"]
    cats = [c.lstrip("@") for c in dec(info[6])]
    implied = set()
    for f in flags:
        v = IMPLIED_FLAG_CATS.get(f)
        if v:
            implied.update([v] if isinstance(v, str) else v)
    if "fast" not in cats:
        implied.add("slow")
    explicit = [c for c in cats if c not in implied]
    head = "container(" if info[9] else "@command("
    lines = [f"{head}{name.lower()!r}, arity={info[1]}, flags={' '.join(flags)!r}, acl={' '.join(explicit)!r},"]
    lines.append(f"         group={dec(doc['group'])!r}, since={dec(doc['since'])!r},")
    lines.append(f"         summary={dec(doc['summary'])!r},")
    if "complexity" in doc:
        lines.append(f"         complexity={dec(doc['complexity'])!r},")
    if info[7]:
        lines.append(f"         tips={tuple(dec(info[7]))!r},")
    if info[8]:
        lines.append("         keys=[" + ", ".join(key_spec(s) for s in info[8]) + "],")
        irregular = [s for s in info[8] if {"variable_flags", "incomplete"} & {f.lower() for f in dec(pairs(s)["flags"])}
                     or dec(pairs(pairs(s)["begin_search"])["type"]) == "unknown"]
        if irregular:
            lines.insert(0, "# keys: not fully described by the key specs; see commands/keys.py NATIVE_GET_KEYS")
    if "doc_flags" in doc:
        lines.append(f"         doc_flags={tuple(dec(doc['doc_flags']))!r},")
    if "deprecated_since" in doc:
        lines.append(f"         deprecated_since={dec(doc['deprecated_since'])!r},")
    if "replaced_by" in doc:
        lines.append(f"         replaced_by={dec(doc['replaced_by'])!r},")
    if "history" in doc:
        hist = tuple(tuple(dec(h)) for h in doc["history"])
        lines.append("         history=" + pprint.pformat(hist, width=100, indent=1).replace("\n", "\n" + " " * 17) + ",")
    if "arguments" in doc:
        lines.append("         args=(\n" + args_src(doc["arguments"], 12) + "         ))")
    else:
        lines[-1] = lines[-1].rstrip(",") + ")"
    return "\n".join(lines)


def expand(r, names: list[str], group: str | None) -> list[str]:
    """Names to print: containers expand to themselves plus their subcommands."""
    if group:
        docs = pairs(r.execute_command("COMMAND", "DOCS"))
        names = names + sorted(n for n, d in ((dec(k), pairs(v)) for k, v in docs.items()) if dec(d["group"]) == group)
    out = []
    for n in names:
        out.append(n)
        if "|" not in n:
            info = r.execute_command("COMMAND", "INFO", n)[0]
            if info and info[9]:
                out.extend(sorted(dec(s[0]) for s in info[9]))
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=6379)
    p.add_argument("--group", help="also print every command of this COMMAND DOCS group")
    p.add_argument("names", nargs="*")
    ns = p.parse_args()
    r = Raw(ns.port)
    for n in expand(r, ns.names, ns.group):
        print(declaration(r, n))
        print()


if __name__ == "__main__":
    main()
