"""The vermilion-server process as a user runs it: flags, log lines, config files,
signals, fatal errors (compared with what the real redis-server prints)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys

import pytest
import redis

from support.servers import ServerProcess, free_port, wait_for

VERMILION = [sys.executable, "-m", "vermilion"]
LOG_LINE = re.compile(r"^(\d+):[CMSX] \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} [.\-*#] \S")


def run(args: list[str], exe: list[str] | None = None, stdin: str | None = None, cwd: str | None = None):
    return subprocess.run((exe or VERMILION) + args, input=stdin, capture_output=True, text=True, timeout=30,
                          cwd=cwd)


def real_redis() -> str:
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("the real redis-server (the oracle) is missing")
    return exe


def test_version_and_help():
    for flag in ("-v", "--version"):
        out = run([flag])
        assert out.returncode == 0
        assert re.fullmatch(r"Redis server v=7\.2\.4 sha=\S+ malloc=\S+ bits=64 build=\S+\n", out.stdout)
    out = run(["--help"])
    assert out.returncode == 1  # as redis-server: usage on stderr, exit 1
    assert out.stderr.startswith("Usage: ./vermilion-server [/path/to/redis.conf] [options] [-]\n")
    assert run(["-h"]).stderr == out.stderr


def test_log_format_ready_line_and_graceful_sigterm():
    with ServerProcess("vermilion", args=["--loglevel", "verbose"]) as srv:
        wait_for(lambda: "Ready to accept connections tcp" in srv.read_log(), what="ready line")
        pid = srv.proc.pid
        srv.proc.send_signal(signal.SIGTERM)
        assert srv.proc.wait(10) == 0
        log = srv.read_log()
    lines = [line for line in log.splitlines() if line]
    for line in lines:
        m = LOG_LINE.match(line)
        assert m, f"not a Redis log line: {line!r}"
        assert int(m.group(1)) == pid
    assert any(f"(PID: {pid})" in line for line in lines)
    assert any(line.endswith("* Ready to accept connections tcp") for line in lines)
    assert any("# Received SIGTERM scheduling shutdown..." in line for line in lines)
    assert lines[-1].endswith("ready to exit, bye bye...")


def test_sigint_shuts_down_gracefully():
    srv = ServerProcess("vermilion")
    srv.proc.send_signal(signal.SIGINT)
    assert srv.proc.wait(10) == 0
    log = srv.read_log()
    srv.stop()
    assert "Received SIGINT scheduling shutdown..." in log


def test_port_in_use_aborts():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        out = run(["--port", str(port), "--bind", "127.0.0.1"])
    assert out.returncode != 0
    assert f"Failed listening on port {port} (tcp), aborting." in out.stdout


def test_config_file_include_and_command_line_overrides(tmp_path):
    (tmp_path / "extra.conf").write_text("timeout 7\nhz 40\n")
    conf = tmp_path / "v.conf"
    conf.write_text(f'# test\nhz 30\ninclude {tmp_path}/extra.conf\nmaxmemory 10mb\nsave 100 1\nsave 200 2\n'
                    'requirepass "p w"\nlatency-monitor-threshold 5\n')
    with ServerProcess("vermilion", config_file=str(conf), args=["--maxmemory", "20mb", "--save", ""]) as srv:
        c = redis.Redis(port=srv.port, password="p w", decode_responses=True)
        assert c.config_get("hz") == {"hz": "40"}
        assert c.config_get("timeout") == {"timeout": "7"}
        assert c.config_get("maxmemory") == {"maxmemory": str(20 * 1024 * 1024)}
        assert c.config_get("save") == {"save": ""}
        c.close()
        log = srv.read_log()
    assert "Configuration loaded" in log


def _fatal(exe: list[str], args: list[str], cwd: str) -> tuple[int, str]:
    out = subprocess.run(exe + args, capture_output=True, text=True, timeout=30, cwd=cwd)
    return out.returncode, out.stderr.replace("Redis 7.0.15", "Redis 7.2.4")


@pytest.mark.parametrize("content,cmdline", [
    ("port 7000\nfoo bar\n", []),
    ("# c\n\nhz abc\n", []),
    ("hz 1 2\n", []),
    ('hz "1\n', []),
    ("save 1 2 3\n", []),
    ("maxmemory 12xb\n", []),
    ("", ["--port", "7999", "--hz", "abc"]),
    ("", ["--port", "7999", "--foo"]),
    ("", ["--port"]),
    ("port 1\n", ["--maxmemory-policy", "nope"]),
])
def test_bad_config_error_block_matches_redis(tmp_path, content, cmdline):
    conf = tmp_path / "bad.conf"
    conf.write_text(content)
    args = ([str(conf)] if content else []) + cmdline
    ours = _fatal(VERMILION, args, str(tmp_path))
    theirs = _fatal([real_redis()], args, str(tmp_path))
    assert ours == theirs
    assert ours[0] == 1 and "*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***" in ours[1]


def test_missing_config_file(tmp_path):
    out = run([str(tmp_path / "nope.conf")])
    assert out.returncode == 1
    assert f"# Fatal error, can't open config file '{tmp_path}/nope.conf': No such file or directory" in out.stdout


def test_config_from_stdin():
    port = free_port()
    proc = subprocess.Popen(VERMILION + ["--bind", "127.0.0.1", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        proc.stdin.write(f"port {port}\nhz 33\n")
        proc.stdin.close()
        c = redis.Redis(port=port, decode_responses=True)
        wait_for(lambda: _answers(c), what="server from stdin config")
        assert c.config_get("hz") == {"hz": "33"}
        c.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert "Reading config from stdin" in proc.stdout.read()


def _answers(c) -> bool:
    try:
        return c.ping()
    except redis.ConnectionError:
        return False


REWRITE_CONF = """# My config
port {port}
daemonize no

# memory
maxmemory 100mb
save 100 1
save 200 2
slave-read-only yes
include {dir}/empty.conf
hz 10
hz 12
loglevel notice
"""


def test_config_rewrite_matches_redis(tmp_path):
    """Same file, same CONFIG SETs, CONFIG REWRITE on both: the same lines (Redis
    appends new directives in its hash-table order, so appended lines are compared as a
    set), with the user's comments and order kept."""
    (tmp_path / "empty.conf").write_text("")
    files = {}
    for kind in ("vermilion", "redis"):
        d = tmp_path / kind
        d.mkdir()
        conf = d / "r.conf"
        port = free_port()
        conf.write_text(REWRITE_CONF.format(port=port, dir=tmp_path))
        # the same extra options the oracle always gets (tests/support/servers.py)
        extra = ["--save", "", "--appendonly", "no", "--enable-debug-command", "yes"] if kind == "vermilion" else []
        with ServerProcess(kind, port=port, config_file=str(conf), args=extra) as srv:
            c = redis.Redis(port=srv.port)
            c.config_set("maxmemory", "2mb")
            c.execute_command("CONFIG SET", "hz", "15", "notify-keyspace-events", "KEA", "timeout", "30",
                              "client-output-buffer-limit", "pubsub 1mb 2mb 3")
            assert c.execute_command("CONFIG REWRITE") in (b"OK", True)
            c.close()
        text = conf.read_text()
        text = text.replace(str(port), "PORT").replace(str(d), "DIR")
        files[kind] = text
    ours, theirs = files["vermilion"].split("\n"), files["redis"].split("\n")
    sig = "# Generated by CONFIG REWRITE"
    assert ours[: ours.index(sig)] == theirs[: theirs.index(sig)]
    ignore = ("user ", "dir ")  # 7.2 describes users with sanitize-payload; dirs are per server
    tail = {x for x in ours[ours.index(sig):] if not x.startswith(ignore)}
    assert tail == {x for x in theirs[theirs.index(sig):] if not x.startswith(ignore)}
    assert "user default on nopass sanitize-payload ~* &* +@all" in ours


def test_config_rewrite_without_file_and_unwritable(tmp_path):
    with ServerProcess("vermilion") as srv:
        c = redis.Redis(port=srv.port)
        with pytest.raises(redis.ResponseError, match="The server is running without a config file"):
            c.execute_command("CONFIG REWRITE")
        c.close()
    if os.geteuid() == 0:
        return  # root can write anywhere
    d = tmp_path / "ro"
    d.mkdir()
    conf = d / "r.conf"
    conf.write_text("hz 11\n")
    with ServerProcess("vermilion", config_file=str(conf)) as srv:
        os.chmod(d, 0o500)
        try:
            c = redis.Redis(port=srv.port)
            with pytest.raises(redis.ResponseError, match="Rewriting config file: Permission denied"):
                c.execute_command("CONFIG REWRITE")
            c.close()
        finally:
            os.chmod(d, 0o700)


def test_rename_command_like_redis(tmp_path):
    from support.raw import RawClient

    replies = {}
    for kind in ("vermilion", "redis"):
        conf = tmp_path / f"{kind}.conf"
        conf.write_text('rename-command flushall ""\nrename-command DBSIZE mysize\n')
        with ServerProcess(kind, config_file=str(conf)) as srv:
            c = RawClient(srv.port)
            replies[kind] = [c.call(*cmd) for cmd in (
                ("DBSIZE",), ("mysize",), ("MYSIZE",), ("FLUSHALL",), ("COMMAND", "INFO", "mysize"),
                ("COMMAND", "INFO", "dbsize"), ("SET", "k", "v"), ("mysize",))]
            c.close()
    assert replies["vermilion"] == replies["redis"]


@pytest.mark.parametrize("content,reason", [
    ("rename-command nosuch x\n", "No such command in rename-command"),
    ("rename-command get set\n", "Target command name already exists"),
])
def test_rename_command_errors_match_redis(tmp_path, content, reason):
    conf = tmp_path / "bad.conf"
    conf.write_text(content)
    ours = _fatal(VERMILION, [str(conf)], str(tmp_path))
    assert ours == _fatal([real_redis()], [str(conf)], str(tmp_path))
    assert ours[1].endswith(reason + "\n")


def test_loadmodule_aborts(tmp_path):
    conf = tmp_path / "m.conf"
    conf.write_text("loadmodule /nonexistent/module.so\n")
    out = run([str(conf)])
    assert out.returncode == 1
    assert "Can't load module from /nonexistent/module.so: server aborting" in out.stdout


def test_unacted_directives_are_accepted_with_one_warning(tmp_path):
    conf = tmp_path / "w.conf"
    conf.write_text("activerehashing no\nactiverehashing no\njemalloc-bg-thread no\n")
    with ServerProcess("vermilion", config_file=str(conf)) as srv:
        c = redis.Redis(port=srv.port, decode_responses=True)
        assert c.config_get("activerehashing") == {"activerehashing": "no"}
        c.close()
        log = srv.read_log()
    assert log.count("Config directive 'activerehashing' is accepted but not acted on by Vermilion yet") == 1
    assert "'jemalloc-bg-thread' is accepted but not acted on" in log
    assert "'port' is accepted" not in log


def test_config_set_port_and_bind_move_the_listener():
    with ServerProcess("vermilion") as srv:
        c = redis.Redis(port=srv.port)
        new_port = free_port()
        assert c.execute_command("CONFIG SET", "port", str(new_port)) in (b"OK", True)
        c2 = redis.Redis(port=new_port, decode_responses=True)
        wait_for(lambda: _answers(c2), what="the new port")
        assert c2.config_get("port") == {"port": str(new_port)}
        wait_for(lambda: not _answers(redis.Redis(port=srv.port)), what="the old port to close")
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen(1)
            taken = busy.getsockname()[1]
            with pytest.raises(redis.ResponseError) as e:
                c2.execute_command("CONFIG SET", "port", str(taken))
        assert str(e.value) == ("CONFIG SET failed (possibly related to argument 'port') - "
                                "Unable to listen on this port. Check server logs.")
        assert c2.config_get("port") == {"port": str(new_port)}
        with pytest.raises(redis.ResponseError, match="Failed to bind to specified addresses."):
            c2.execute_command("CONFIG SET", "bind", "192.0.2.1")
        assert c2.config_get("bind") == {"bind": "127.0.0.1"}
        assert c2.ping()
        c2.close()
        srv.port = new_port  # so stop() and the log still refer to the live server


def test_protected_configs_when_enabled_for_local_clients(tmp_path):
    from support.raw import RawClient

    target = tmp_path / "data"
    target.mkdir()
    replies = {}
    for kind in ("vermilion", "redis"):
        with ServerProcess(kind, args=["--enable-protected-configs", "local"]) as srv:
            c = RawClient(srv.port)
            replies[kind] = [c.call(*cmd) for cmd in (
                ("CONFIG", "SET", "dir", str(target)), ("CONFIG", "GET", "dir"),
                ("CONFIG", "SET", "dir", str(tmp_path / "nope")), ("CONFIG", "GET", "dir"),
                ("CONFIG", "SET", "dbfilename", "a/b"), ("CONFIG", "SET", "dbfilename", "x.rdb"),
                ("CONFIG", "GET", "dbfilename"), ("CONFIG", "SET", "enable-protected-configs", "yes"))]
            c.close()
    assert replies["vermilion"] == replies["redis"]


def test_daemonize_with_pidfile_and_logfile(tmp_path):
    port = free_port()
    pidfile, logfile = tmp_path / "v.pid", tmp_path / "v.log"
    out = run(["--port", str(port), "--bind", "127.0.0.1", "--daemonize", "yes", "--pidfile", str(pidfile),
               "--logfile", str(logfile)], cwd=str(tmp_path))
    assert out.returncode == 0
    c = redis.Redis(port=port)
    wait_for(lambda: _answers(c) and pidfile.exists() and pidfile.read_text().strip(), what="daemon")
    pid = int(pidfile.read_text())
    assert c.config_get("daemonize") == {b"daemonize": b"yes"} or c.config_get("daemonize") == {"daemonize": "yes"}
    c.close()
    os.kill(pid, signal.SIGTERM)
    wait_for(lambda: not pidfile.exists(), what="pidfile removal at shutdown")
    assert "Ready to accept connections tcp" in logfile.read_text()


def test_every_directive_on_the_command_line_like_redis(tmp_path, monkeypatch):
    """Each directive with awkward values, as ``--name value``: the same fatal block as
    redis-server, or accepted by both (redis then exits at once: port 0 listens nowhere)."""
    from vermilion.config.conf_file import ConfigFileError, build_config
    from vermilion.config.schema import NAMES

    monkeypatch.chdir(tmp_path)
    skip = {"unixsocket", "aclfile", "loglevel", "daemonize", "locale-collate", "cluster-announce-human-nodename",
            "set-max-listpack-entries", "set-max-listpack-value", "port"}
    exe = real_redis()
    for name in sorted(NAMES):
        if name in skip:
            continue
        for value in ("abc", "1 2", ""):
            args = ["--port", "0", f"--{name}", value]
            out = subprocess.run([exe] + args, capture_output=True, text=True, timeout=10, cwd=tmp_path)
            theirs = out.stderr.replace("Redis 7.0.15", "Redis 7.2.4")
            try:
                build_config(args)
                ours = ""
            except ConfigFileError as e:
                ours = e.render("7.2.4")
            assert ours == theirs, (name, value, out.stdout[-300:])
