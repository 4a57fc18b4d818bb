"""ACL rules, selectors, users, the log and the ACL file, called directly."""

from __future__ import annotations

import hashlib

import pytest

import vermilion.commands  # noqa: F401  (the command table the rules refer to)
from vermilion.commands import keys as keys_mod
from vermilion.commands.registry import COMMANDS
from vermilion.security.acl.log import AclLog
from vermilion.security.acl.rules import merge_selectors, set_user, stage, UnmatchedParenthesis
from vermilion.security.acl.selectors import (DENIED_CHANNEL, DENIED_CMD, DENIED_KEY, OK, RuleError, Selector,
                                              category_bits, lookup_command)
from vermilion.security.acl.users import Users


def spec_of(name: str):
    return lookup_command(name.encode())


def check(user, *argv: str):
    args = [a.encode() for a in argv]
    spec = COMMANDS[args[0].lower()]
    if spec.subcommands:
        spec = spec.subcommands[args[1].lower()]
    keys = keys_mod.get_keys(spec, args) if spec.has_keys else None
    from vermilion.security.acl.state import command_channels

    return user.check(spec, args, keys, command_channels(spec, args))


def make(*rules: str):
    users = Users()
    u, _ = set_user(users, b"u", [r.encode() for r in rules])
    return u


def test_merge_selectors():
    assert merge_selectors([b"on", b"(+get", b"~x)", b"(+set)"]) == [b"on", b"(+get ~x)", b"(+set)"]
    with pytest.raises(UnmatchedParenthesis):
        merge_selectors([b"(+get", b"~x"])


def test_command_bits_and_rules_order():
    u = make("+get", "+@hash", "-hset", "+get")
    assert u.root.describe_commands() == b"-@all +@hash -hset +get"
    assert check(u, "get", "k")[0] == DENIED_KEY  # allowed command, no key pattern
    u = make("+get", "allkeys")
    assert check(u, "get", "k") == (OK, 0)
    assert check(u, "hset", "k", "f", "v")[0] == DENIED_CMD


def test_allcommands_flag_cleared_by_removal_but_future_kept():
    u = make("+@all", "-get", "allkeys")
    assert not u.root.allcommands and u.root.future
    assert u.root.describe_commands() == b"+@all -get"
    assert check(u, "get", "k")[0] == DENIED_CMD
    assert check(u, "set", "k", "v") == (OK, 0)


def test_subcommands_and_first_args():
    u = make("+config|get", "+select|0", "allkeys")
    assert check(u, "config", "get", "x") == (OK, 0)
    assert check(u, "config", "set", "x", "y")[0] == DENIED_CMD
    assert check(u, "select", "0") == (OK, 0)
    assert check(u, "select", "1")[0] == DENIED_CMD
    u = make("+select|0", "-select")
    assert check(u, "select", "0")[0] == DENIED_CMD  # -select drops the first-arg rules


def test_key_permissions():
    u = make("+@all", "%R~r*", "%W~w*", "~a*")
    assert check(u, "get", "r1") == (OK, 0)
    assert check(u, "set", "r1", "v") == (DENIED_KEY, 1)
    assert check(u, "set", "w1", "v") == (OK, 0)
    assert check(u, "get", "w1") == (DENIED_KEY, 1)
    assert check(u, "copy", "r1", "w1") == (OK, 0)
    assert check(u, "copy", "w1", "r1") == (DENIED_KEY, 1)
    assert check(u, "mget", "a", "r1", "zz") == (DENIED_KEY, 3)


def test_channel_permissions():
    u = make("+@all", "allkeys", "resetchannels", "&news.*")
    assert check(u, "publish", "news.x", "m") == (OK, 0)
    assert check(u, "publish", "sport", "m") == (DENIED_CHANNEL, 1)
    assert check(u, "subscribe", "news.a", "sport") == (DENIED_CHANNEL, 2)
    assert check(u, "psubscribe", "news.*") == (OK, 0)
    assert check(u, "psubscribe", "news.a*") == (DENIED_CHANNEL, 1)  # patterns must match literally


def test_selectors_any_allows_and_most_relevant_error():
    u = make("+get", "~a*", "(+set ~b*)")
    assert check(u, "get", "a1") == (OK, 0)
    assert check(u, "set", "b1", "v") == (OK, 0)
    assert check(u, "get", "b1") == (DENIED_KEY, 1)
    assert check(u, "del", "a1")[0] == DENIED_CMD


@pytest.mark.parametrize("rule,error", [
    ("+nosuch", "Unknown command or category name in ACL"),
    ("+@nosuch", "Unknown command or category name in ACL"),
    ("+get|", "Syntax error"),
    ("+config|get|x", "Allowing first-arg of a subcommand is not supported"),
    ("%~x", "Syntax error"),
    ("#abc", "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"),
    ("<nope", "The password you are trying to remove from the user does not exist"),
    ("bogus", "Syntax error"),
])
def test_rule_errors(rule, error):
    users = Users()
    with pytest.raises(ValueError) as e:
        stage(users, None, b"u", [b"on", rule.encode()])
    assert e.value.args[0] == b"Error in ACL SETUSER modifier '%s': %s" % (rule.encode(), error.encode())


def test_failed_rules_change_nothing():
    users = Users()
    set_user(users, b"u", [b"on", b">pw"])
    with pytest.raises(ValueError):
        set_user(users, b"u", [b"off", b"+nosuch"])
    assert users.get(b"u").enabled


def test_passwords_and_describe():
    u = make("on", ">pw", ">pw", "#" + "a" * 64, "!" + "a" * 64, "~k", "&c", "+get")
    h = hashlib.sha256(b"pw").hexdigest().encode()
    assert u.passwords == [h]
    assert u.check_password(b"pw") and not u.check_password(b"no")
    assert u.describe() == b"on sanitize-payload #" + h + b" ~k resetchannels &c -@all +get"
    u.apply(b"off", False)
    assert not u.check_password(b"pw")


def test_default_user_and_reset():
    users = Users()
    d = users.default
    assert d.unrestricted and d.nopass and d.enabled
    assert d.describe() == b"on nopass sanitize-payload ~* &* +@all"
    d.apply(b"reset", False)
    assert d.describe() == b"off sanitize-payload resetchannels -@all"


def test_category_bits_cover_subcommands():
    from vermilion.commands.spec import AclCat

    bits = category_bits(AclCat.ADMIN)
    assert bits >> spec_of("config|set").acl_id & 1
    assert not bits >> spec_of("get").acl_id & 1


def test_selector_copy_is_independent():
    s = Selector(True, False)
    s.apply(b"~a")
    t = s.copy()
    t.apply(b"~b")
    assert s.describe_keys() == b"~a" and t.describe_keys() == b"~a ~b"
    with pytest.raises(RuleError):
        t.apply(b"allkeys") or t.apply(b"~c")


def test_log_groups_and_trims():
    log = AclLog()
    for i in range(3):
        log.add(3, b"toplevel", b"auth", b"u", 1000 + i, b"ci%d" % i, 128)
    log.add(1, b"toplevel", b"get", b"u", 2000, b"x", 128)
    assert [e.count for e in log.entries] == [1, 3]
    log.add(3, b"toplevel", b"auth", b"u", 2500, b"y", 128)  # regrouped and moved to the front
    assert [e.count for e in log.entries] == [4, 1]
    log.add(3, b"toplevel", b"auth", b"u", 2500 + 61000, b"z", 128)  # too old to group
    assert [e.count for e in log.entries] == [1, 4, 1]
    for i in range(5):
        log.add(2, b"toplevel", b"k%d" % i, b"u", 70000, b"", 2)
    assert len(log.entries) == 2
    assert log.reply(1, 71000)[0][b"object"] == b"k4"


def test_acl_file_roundtrip(tmp_path):
    from vermilion.security.acl import acl_file

    class _Srv:
        def __init__(self):
            self.clients = {}

        def log(self, *a):
            pass

    class _Acl:
        def __init__(self):
            self.users = Users()
            self.server = _Srv()

        def describe_lines(self):
            return [f"user {n.decode()} {self.users.users[n].describe().decode()}" for n in self.users.names()]

        def kill_user_clients(self, *a):
            pass

        def kill_revoked_subscribers(self, *a):
            pass

        def refresh_user_clients(self, *a):
            pass

    acl = _Acl()
    set_user(acl.users, b"alice", [b"on", b">pw", b"~a*", b"+get", b"(+set ~b*)"])
    path = tmp_path / "users.acl"
    assert acl_file.save_file(acl, str(path))
    text = path.read_text()
    other = _Acl()
    assert acl_file.load_file(other, str(path), None) is None
    assert other.describe_lines() == acl.describe_lines()
    path.write_text(text + "user bob on +nosuch\n")
    err = acl_file.load_file(other, str(path), None)
    assert "Error in applying operation '+nosuch'" in err and err.endswith("no change to the previously "
                                                                          "active ACL rules was performed")
    assert b"bob" not in other.users.users


def test_exec_recheck_error():
    from vermilion.config.schema import Config
    from vermilion.engine.client import Client
    from vermilion.engine.server import Server
    from vermilion.security.acl.state import get_acl, install

    srv = Server(Config())
    assert install(srv) is None
    acl = get_acl(srv)
    set_user(acl.users, b"mx", [b"on", b"nopass", b"~*", b"&*", b"+@all"])
    c = Client(srv, 1, "a:1", "b:2", -1, lambda d: None, lambda: None)
    acl.authenticate(c, b"mx", b"")
    spec, argv = COMMANDS[b"get"], [b"GET", b"k"]
    assert acl.exec_check(c, spec, argv) is None
    set_user(acl.users, b"mx", [b"-get"])
    err = acl.exec_check(c, spec, argv)
    assert err.msg.endswith(b"following reason: no permission to execute the command or subcommand")
    assert acl.log.entries[0].context == b"multi" and acl.log.entries[0].object == b"get"
