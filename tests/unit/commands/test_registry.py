"""Registry lint: every declaration in the command table is well formed.

Runs on the frozen table, so it covers every command module listed in MODULES,
including ones added later.
"""

from __future__ import annotations

import pkgutil
import sys

import pytest

import vermilion.commands as commands_pkg
from vermilion.commands import MODULES
from vermilion.commands.registry import COMMANDS, DISPATCH, legacy_range, lookup
from vermilion.commands.spec import AclCat, CmdFlag, CommandSpec, KeyFlag, ks

# Modules of the package that declare no commands (infrastructure).
INFRASTRUCTURE = {"registry", "spec", "util", "keys"}

GROUPS = {"bitmap", "cluster", "connection", "generic", "geo", "hash", "hyperloglog", "list", "module",
          "pubsub", "scripting", "sentinel", "server", "set", "sorted-set", "stream", "string", "transactions"}
ARG_TYPES = {"string", "integer", "double", "key", "pattern", "unix-time", "pure-token", "oneof", "block"}
ARG_KEYS = {"name", "type", "token", "display_text", "key_spec_index", "summary", "since", "deprecated_since",
            "value", "flags", "arguments"}
ACCESS = KeyFlag.RO | KeyFlag.RW | KeyFlag.OW | KeyFlag.RM

# Redis's own declarations whose arity does not follow from their argument docs.
ARITY_EXCEPTIONS = {
    b"client|kill": "old form CLIENT KILL ip:port, or one or more filters (the doc tree cannot say both)",
}


def all_specs() -> list[CommandSpec]:
    return [s for top in COMMANDS.values() for s in top.all_specs()]


SPECS = all_specs()
IDS = [s.fullname.decode() for s in SPECS]


def test_every_command_module_is_listed_and_imported():
    names = {m.name for m in pkgutil.iter_modules(commands_pkg.__path__)}
    assert names - INFRASTRUCTURE <= set(MODULES), "a command module missing from MODULES"
    for m in MODULES:
        assert f"vermilion.commands.{m}" in sys.modules


def test_names_are_unique_lower_case_and_dispatchable():
    full = [s.fullname for s in SPECS]
    assert len(full) == len(set(full))
    for name, spec in COMMANDS.items():
        assert name == name.lower() and spec.parent is None
        assert DISPATCH[name] is spec and DISPATCH[name.upper()] is spec
        assert lookup(name.title()) is spec


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_declaration(spec: CommandSpec):
    name = spec.fullname
    # A handler, or subcommands to dispatch to (a container may also have a handler).
    assert spec.handler is not None or spec.subcommands, name
    if spec.parent is not None:
        assert spec.handler is not None and not spec.subcommands, name
        assert abs(spec.arity) >= 2, f"{name!r}: a subcommand's arity counts the container and itself"
        assert spec.fullname == spec.parent.name + b"|" + spec.name
    assert spec.arity != 0, name
    # Flags: MAY_REPLICATE is for commands that are not WRITE; MOVABLE_KEYS is derived.
    assert not (spec.flags & CmdFlag.WRITE and spec.flags & CmdFlag.MAY_REPLICATE), name
    assert not (spec.flags & CmdFlag.WRITE and spec.flags & CmdFlag.READONLY), name
    assert bool(spec.flags & CmdFlag.MOVABLE_KEYS) == legacy_range(spec.keys)[1], name
    # Categories: implied ones present, @fast xor @slow.
    if spec.flags & CmdFlag.WRITE:
        assert spec.acl & AclCat.WRITE, name
    if spec.flags & CmdFlag.ADMIN:
        assert spec.acl & AclCat.ADMIN and spec.acl & AclCat.DANGEROUS, name
    assert bool(spec.acl & AclCat.FAST) != bool(spec.acl & AclCat.SLOW), name
    assert spec.group in GROUPS, name
    for tip in spec.tips:
        assert tip in ("nondeterministic_output", "nondeterministic_output_order") or tip.startswith(
            ("request_policy:", "response_policy:")), (name, tip)
    for version, text in spec.history:
        assert version.count(".") == 2 and text, name


@pytest.mark.parametrize("spec", [s for s in SPECS if s.keys], ids=[s.fullname.decode() for s in SPECS if s.keys])
def test_key_specs_are_valid(spec: CommandSpec):
    for k in spec.keys:
        access = k.flags & ACCESS
        if k.flags & KeyFlag.NOT_KEY:
            assert bin(access.value).count("1") <= 1, spec.fullname
        else:
            assert bin(access.value).count("1") == 1, f"{spec.fullname!r}: exactly one of RO/RW/OW/RM"
        bs, fk = k.begin_search, k.find_keys
        assert bs[0] in ("index", "keyword", "unknown")
        if bs[0] == "index":
            assert bs[1] >= 1
        elif bs[0] == "keyword":
            assert isinstance(bs[1], bytes) and bs[1] and bs[2] != 0
        assert fk[0] in ("range", "keynum", "unknown")
        if fk[0] == "range":
            assert fk[2] >= 1 and fk[3] >= 0
            if fk[3]:
                assert fk[1] == -1, "a limit only makes sense with lastkey -1"
        elif fk[0] == "keynum":
            assert fk[1] >= 0 and fk[2] >= 1 and fk[3] >= 1
        if bs[0] == "unknown" or fk[0] == "unknown":
            assert k.flags & KeyFlag.INCOMPLETE or spec.get_keys is not None, spec.fullname
    # Fixed-arity commands: index+range keys must fit in argv.
    if spec.arity > 0:
        for k in spec.keys:
            if k.begin_search[0] == "index" and k.find_keys[0] == "range" and k.find_keys[1] >= 0:
                assert k.begin_search[1] + k.find_keys[1] < spec.arity, spec.fullname


def _min_words(a: dict) -> int:
    flags = a.get("flags", ())
    if "optional" in flags:
        return 0
    t = a["type"]
    if t == "oneof":
        n = min(_min_words(dict(s, flags=tuple(f for f in s.get("flags", ()) if f != "multiple")))
                for s in a["arguments"])
    elif t == "block":
        n = sum(_min_words(s) for s in a["arguments"])
    elif t == "pure-token":
        return 1
    else:
        n = 1
    return n + (1 if a.get("token") else 0)


def _has_variable(args) -> bool:
    for a in args:
        flags = a.get("flags", ())
        if "optional" in flags or "multiple" in flags:
            return True
        if a["type"] == "oneof" and len({_min_words(s) for s in a["arguments"]}) > 1:
            return True
        if a["type"] in ("oneof", "block") and _has_variable(a["arguments"]):
            return True
    return False


def _check_args(args, nkeys: int) -> None:
    for a in args:
        assert set(a) <= ARG_KEYS, set(a) - ARG_KEYS
        assert a["type"] in ARG_TYPES
        assert set(a.get("flags", ())) <= {"optional", "multiple", "multiple_token"}
        if a["type"] == "key":
            assert 0 <= a["key_spec_index"] < nkeys
        if a["type"] == "pure-token":
            assert a.get("token") or a["name"] == "empty_string"  # MIGRATE's "" token, as in Redis
        if a["type"] in ("oneof", "block"):
            assert a.get("arguments")
            _check_args(a["arguments"], nkeys)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.args], ids=[s.fullname.decode() for s in SPECS if s.args])
def test_arguments_are_consistent_with_arity(spec: CommandSpec):
    _check_args(spec.args, len(spec.keys))
    if spec.fullname in ARITY_EXCEPTIONS:
        return
    base = 2 if spec.parent is not None else 1
    need = base + sum(_min_words(a) for a in spec.args)
    if spec.arity > 0:
        assert not _has_variable(spec.args), f"{spec.fullname!r}: fixed arity but optional/multiple arguments"
        assert spec.arity == need, f"{spec.fullname!r}: arity {spec.arity}, arguments need {need}"
    else:
        assert -spec.arity == need, f"{spec.fullname!r}: arity {spec.arity}, arguments need at least {need}"


def test_legacy_range_examples():
    # One plain spec: the triple is the spec itself.
    assert legacy_range((ks("RO", 1),)) == ((1, 1, 1), False)
    assert legacy_range((ks("RO", 1, last=-1),)) == ((1, -1, 1), False)
    assert legacy_range((ks("RW", 1, last=-1, step=2),)) == ((1, -1, 2), False)
    assert legacy_range((ks("RO INCOMPLETE", 1),)) == ((1, 1, 1), True)
    # Consecutive ranges merge (LMOVE, RENAME); a negative lastkey wins (BLPOP-like).
    assert legacy_range((ks("RW", 1), ks("RW", 2))) == ((1, 2, 1), False)
    assert legacy_range((ks("RW", 1), ks("RW", 2, last=-1))) == ((1, -1, 1), False)
    assert legacy_range((ks("RW", 1, last=-2), ks("RW", 2))) == ((1, -2, 1), True)
    # Non-range specs and gaps make the keys movable.
    assert legacy_range((ks("RW", 1), ks("RO", 2, keynum=(0, 1, 1)))) == ((1, 1, 1), True)
    assert legacy_range((ks("RO", keyword=b"STREAMS", last=-1, limit=2),)) == ((0, 0, 0), True)
    assert legacy_range((ks("RW", 1), ks("RW", 3))) == ((1, 1, 1), True)
    assert legacy_range((ks("RO", 1), ks("OW", unknown=True))) == ((1, 1, 1), True)
    assert legacy_range(()) == ((0, 0, 0), False)
