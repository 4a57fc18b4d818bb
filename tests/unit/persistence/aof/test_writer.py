"""The AOF write path in-process: a Server with the AOF opened in a temp directory,
commands run through dispatch.call, and the bytes that reach the incr file; plus the
commands form of a base file replayed into a fresh server."""

from __future__ import annotations

import os

import pytest

import vermilion.commands  # noqa: F401  (registers the command table)
from vermilion.config.schema import Config
from vermilion.engine.client import Client
from vermilion.engine.dispatch import call, resolve
from vermilion.engine.server import Server
from vermilion.keyspace.propagation import PropagationLog
from vermilion.persistence.aof import manifest as mf
from vermilion.persistence.aof import rewrite
from vermilion.persistence.aof.loader import Replayer, iter_commands, load_manifest_files
from vermilion.persistence.aof.writer import ON, state


def make_server(tmp_path, **conf) -> Server:
    config = Config()
    config.values["appendonly"] = 1
    for k, v in conf.items():
        config.values[k.replace("_", "-")] = v
    server = Server(config)
    server.log_lines = lambda level, msg: None
    return server


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    server = make_server(tmp_path)
    assert rewrite.load_at_start(server) is True
    client = Client(server, 1, "127.0.0.1:1", "127.0.0.1:2", -1, lambda b: None, lambda: None)

    def run(*args):
        argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        return call(client, resolve(argv), argv)

    yield server, client, run
    state(server).stop_event.set()
    state(server).close()


def incr_commands(server) -> list[list[bytes]]:
    st = state(server)
    st.flush()
    with open(st.incr_path, "rb") as f:
        return [argv for argv, _ in iter_commands(f.read())]


def test_start_creates_base_incr_and_manifest(env, tmp_path):
    server, _, _ = env
    d = tmp_path / "appendonlydir"
    assert sorted(os.listdir(d)) == ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof",
                                     "appendonly.aof.manifest"]
    assert (d / "appendonly.aof.1.base.rdb").read_bytes().startswith(b"REDIS")
    assert (d / "appendonly.aof.manifest").read_bytes() == (b"file appendonly.aof.1.base.rdb seq 1 type b\n"
                                                            b"file appendonly.aof.1.incr.aof seq 1 type i\n")
    assert state(server).state == ON


def test_writes_are_logged_with_select_and_resolved_forms(env):
    server, client, run = env
    run("SET", "a", "1")
    run("SELECT", 2)
    run("SET", "b", "2", "EX", 100)
    run("GET", "b")  # reads are not logged
    run("DEL", "nothing")  # nor writes that changed nothing
    cmds = incr_commands(server)
    assert cmds[0] == [b"SELECT", b"0"]
    assert cmds[1] == [b"SET", b"a", b"1"]
    assert cmds[2] == [b"SELECT", b"2"]
    assert cmds[3][:3] == [b"SET", b"b", b"2"] and cmds[3][3].upper() == b"PXAT"
    assert len(cmds) == 4


def test_flush_before_reply_hook_and_sizes(env):
    server, _, run = env
    st = state(server)
    assert server.before_reply == st.flush
    before = st.current_size
    run("SET", "k", "v")
    assert st.buf and st.current_size == before
    server.before_reply()
    assert not st.buf and st.current_size == before + os.path.getsize(st.incr_path)


def test_expired_keys_are_logged_as_del(env):
    server, client, run = env
    run("SET", "k", "v", "PX", 1)
    server.cached_now_ms += 10_000
    server.dbs[0].lookup(b"k")  # lazy expiry
    assert incr_commands(server)[-1] == [b"DEL", b"k"]


def test_inner_consumer_still_sees_the_stream(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    server = make_server(tmp_path)
    log = PropagationLog()
    server.propagate = log
    rewrite.load_at_start(server)
    client = Client(server, 1, "", "", -1, lambda b: None, lambda: None)
    argv = [b"INCR", b"n"]
    call(client, resolve(argv), argv)
    assert log.entries == [(0, [b"INCR", b"n"])]
    assert incr_commands(server)[-1] == [b"INCR", b"n"]
    assert client.propagate_as is None
    state(server).stop_event.set()
    state(server).close()


def test_commands_base_rebuilds_every_type(env, tmp_path):
    server, _, run = env
    run("SET", "s", "v")
    run("RPUSH", "l", *[f"e{i}" for i in range(150)])
    run("SADD", "set", "a", "b", 3)
    run("HSET", "h", "f", "v", "g", "w")
    run("ZADD", "z", 1.5, "a", "-inf", "b", 3, "c")
    run("XADD", "st", "1-1", "f", "v")
    run("SET", "t", "v", "PXAT", server.cached_now_ms + 100_000)
    run("SELECT", 5)
    run("SET", "five", "5")
    out: list[bytes] = []
    rewrite.write_commands(server, out.append)
    fresh = make_server(tmp_path)
    rep = Replayer(fresh)
    for argv, _ in iter_commands(b"".join(out)):
        assert rep.feed(argv) is None
    for a, b in zip(server.dbs, fresh.dbs):
        assert sorted(a.data) == sorted(b.data)
        assert a.expires == b.expires
    z1, z2 = server.dbs[0].data[b"z"], fresh.dbs[0].data[b"z"]
    assert z1.scores == z2.scores
    assert list(fresh.dbs[0].data[b"l"]) == [b"e%d" % i for i in range(150)]
    assert sum(1 for a, _ in iter_commands(b"".join(out)) if a[0] == b"RPUSH") == 3


def test_manifest_files_load_back(env, tmp_path):
    server, _, run = env
    run("SET", "a", "1")
    run("LPUSH", "l", "x")
    st = state(server)
    st.flush()
    fresh = make_server(tmp_path)
    m = mf.read("appendonlydir", "appendonly.aof")
    load_manifest_files(fresh, "appendonlydir", m)
    assert fresh.dbs[0].data[b"a"] == b"1" and list(fresh.dbs[0].data[b"l"]) == [b"x"]


def test_write_error_gives_misconf_until_a_write_succeeds(env, tmp_path):
    from vermilion.engine.gates import ServerGate, check
    from vermilion.protocol.errors import CommandError

    server, client, run = env
    st = state(server)
    good_fd = st.fd
    (tmp_path / "ro").write_bytes(b"")
    st.fd = os.open(tmp_path / "ro", os.O_RDONLY)  # every write fails with EBADF
    run("SET", "k", "v")
    st.flush()
    assert not st.last_write_ok and server.gate & ServerGate.AOF_ERROR
    assert st.buf  # kept for the retry
    for argv in ([b"SET", b"x", b"1"], [b"PING"]):
        with pytest.raises(CommandError) as info:
            check(client, resolve(argv), argv)
        assert info.value.msg == b"MISCONF Errors writing to the AOF file: Bad file descriptor"
    assert check(client, resolve([b"GET", b"k"]), [b"GET", b"k"]) is None
    os.close(st.fd)
    st.fd = good_fd
    rewrite.cron(server)  # the retry
    assert st.last_write_ok and not server.gate & ServerGate.AOF_ERROR and not st.buf
    assert incr_commands(server)[-1] == [b"SET", b"k", b"v"]


@pytest.mark.parametrize("argv", [[b"PING"], [b"INCR", b"n"], [b"SET", b"k", b""], [b"SET", b"k" * 300, b"v\r\n"],
                                  [b"HSET", b"h", b"f", b"v"], [b"RPUSH", b"l"] + [b"%d" % i for i in range(20)]])
def test_append_fast_paths_encode_as_resp(argv):
    from vermilion.persistence.aof.writer import AofState, encode_command

    class _S:
        config = {}
        cached_now_ms = 0

    s = AofState(_S())
    s.selected_db = 0
    s.append(0, argv)
    assert bytes(s.buf) == encode_command(argv)


class _Transport:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.sent.append(data)

    def is_closing(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0


class _Conn:
    def __init__(self, client) -> None:
        self.client = client
        self.transport = _Transport()


class _Loop:
    def __init__(self) -> None:
        self.soon: list = []

    def call_soon(self, fn) -> None:
        self.soon.append(fn)


def test_appendfsync_always_group_commit(env, monkeypatch):
    """Replies of every batch of one loop pass wait for a single write + fsync."""
    from vermilion.persistence.aof import writer

    server, client, run = env
    server.config["appendfsync"] = "always"
    server.loop = _Loop()
    syncs = []
    monkeypatch.setattr(writer, "_sync", lambda fd: syncs.append(fd))
    st = state(server)
    conns = [_Conn(client), _Conn(client), _Conn(client)]
    run("SET", "a", "1")
    assert server.defer_reply(conns[0], b"+OK\r\n")
    run("SET", "b", "2")
    assert server.defer_reply(conns[1], b"+OK\r\n")
    assert server.defer_reply(conns[0], b"$1\r\n1\r\n")  # the same connection: queued behind
    assert server.defer_reply(conns[2], b"$1\r\n2\r\n")  # a read in the same pass waits too
    assert syncs == [] and all(not c.transport.sent for c in conns)
    assert len(server.loop.soon) == 1
    server.loop.soon.pop()()
    assert len(syncs) == 1
    assert conns[0].transport.sent == [b"+OK\r\n$1\r\n1\r\n"]
    assert conns[1].transport.sent == [b"+OK\r\n"] and conns[2].transport.sent == [b"$1\r\n2\r\n"]
    assert [argv[0] for argv in incr_commands(server)][-2:] == [b"SET", b"SET"]
    # nothing written and nothing held: the reply goes at once
    assert not server.defer_reply(conns[1], b"$1\r\n1\r\n")
    # everysec never holds replies
    server.config["appendfsync"] = "everysec"
    run("SET", "c", "3")
    assert not server.defer_reply(conns[1], b"+OK\r\n")
    st.flush()
