"""The busy script: past busy-reply-threshold other clients get -BUSY while the script
keeps running; SCRIPT KILL stops a script that has not written, -UNKILLABLE otherwise;
SHUTDOWN NOSAVE still works.  One Vermilion process for the module, threshold 200 ms."""

from __future__ import annotations

import threading
import time

import pytest

from support.raw import RawClient
from support.servers import ServerProcess, wait_for

BUSY = b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"


@pytest.fixture(scope="module")
def server():
    srv = ServerProcess("vermilion", args=["--busy-reply-threshold", "200"])
    yield srv
    srv.stop()


class Runner:
    """Run one command on its own connection in a thread; keep the raw reply."""

    def __init__(self, port: int, *args) -> None:
        self.client = RawClient(port)
        self.reply: bytes | None = None
        self.thread = threading.Thread(target=self._run, args=args, daemon=True)
        self.thread.start()

    def _run(self, *args) -> None:
        self.reply = self.client.call(*args)

    def join(self) -> bytes:
        self.thread.join(15)
        assert self.reply is not None
        self.client.close()
        return self.reply


def _probe(port: int) -> RawClient:
    """A connection the server has fully registered (a round trip done) before the
    script starts: one accepted in the very loop iteration that starts the script is
    only served once it ends (see scripting/run_context.py)."""
    probe = RawClient(port)
    assert probe.call("PING") == b"+PONG\r\n"
    return probe


def _wait_busy(port: int, probe: RawClient | None = None) -> RawClient:
    probe = probe or _probe(port)

    def busy() -> bool:
        return probe.call("PING") == BUSY

    wait_for(busy, 10, what="BUSY replies")
    return probe


def test_busy_then_script_kill(server):
    other = RawClient(server.port)
    assert other.call("SET", "k", "v") == b"+OK\r\n"
    probe = _probe(server.port)
    t0 = time.monotonic()
    runner = Runner(server.port, "EVAL", "local i = 0 while true do i = i + 1 end", "0")
    _wait_busy(server.port, probe)
    # The threshold (200 ms) passed; an existing client and a new connection get -BUSY.
    assert time.monotonic() - t0 >= 0.2
    assert other.call("GET", "k") == BUSY
    fresh = RawClient(server.port)
    assert fresh.call("GET", "k") == BUSY
    assert probe.call("SCRIPT", "KILL") == b"+OK\r\n"
    reply = runner.join()
    assert reply.startswith(b"-ERR Script killed by user with SCRIPT KILL... script: ")
    assert reply.endswith(b", on @user_script:1.\r\n")
    # Everyone is served again, the new connection included (handed to the event loop).
    assert other.call("GET", "k") == b"$1\r\nv\r\n"
    assert fresh.call("GET", "k") == b"$1\r\nv\r\n"
    assert probe.call("SCRIPT", "KILL") == b"-NOTBUSY No scripts in execution right now.\r\n"
    for c in (other, fresh, probe):
        c.close()


def test_pcall_cannot_swallow_the_kill(server):
    script = "while true do pcall(function() local i = 0 while true do i = i + 1 end end) end"
    probe = _probe(server.port)
    runner = Runner(server.port, "EVAL", script, "0")
    _wait_busy(server.port, probe)
    assert probe.call("SCRIPT", "KILL") == b"+OK\r\n"
    assert runner.join().startswith(b"-ERR Script killed by user with SCRIPT KILL...")
    assert probe.call("PING") == b"+PONG\r\n"
    probe.close()


def test_function_kill_and_wrong_kill_command(server):
    c = RawClient(server.port)
    lib = "#!lua name=busylib\nredis.register_function('spin', function() local i = 0 while true do i = i + 1 end end)"
    assert c.call("FUNCTION", "LOAD", "REPLACE", lib) == b"$7\r\nbusylib\r\n"
    probe = _probe(server.port)
    runner = Runner(server.port, "FCALL", "spin", "0")
    fbusy = b"-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n"
    wait_for(lambda: probe.call("PING") == fbusy, 10, what="BUSY replies")
    assert probe.call("SCRIPT", "KILL") == fbusy
    assert probe.call("FUNCTION", "KILL") == b"+OK\r\n"
    reply = runner.join()
    assert reply.startswith(b"-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.")
    assert probe.call("PING") == b"+PONG\r\n"
    c.close()
    probe.close()


def test_unkillable_after_write_then_shutdown_nosave():
    with ServerProcess("vermilion", args=["--busy-reply-threshold", "100"]) as srv:
        probe = _probe(srv.port)
        runner = Runner(srv.port, "EVAL", "redis.call('set', 'w', 1) while true do end", "0")
        _wait_busy(srv.port, probe)
        assert probe.call("SCRIPT", "KILL").startswith(
            b"-UNKILLABLE Sorry the script already executed write commands against the dataset.")
        assert probe.call("SHUTDOWN") == BUSY  # only SHUTDOWN NOSAVE while busy
        probe.send(b"*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
        wait_for(lambda: srv.proc.poll() is not None, 10, what="server exit")
        runner.thread.join(5)


def test_loop_inside_a_coroutine_is_killable(server):
    probe = _probe(server.port)
    runner = Runner(server.port, "EVAL", "coroutine.wrap(function() while true do end end)()", "0")
    _wait_busy(server.port, probe)
    assert probe.call("SCRIPT", "KILL") == b"+OK\r\n"
    assert runner.join().startswith(b"-ERR ")
    assert probe.call("PING") == b"+PONG\r\n"
    probe.close()
