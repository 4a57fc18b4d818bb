"""The vermilion-server process as a user runs it: flags, log lines, config files,
signals, fatal errors (compared with what the real redis-server prints); and the real
redis-cli and redis-benchmark driving it (argv and stdin commands, output modes, -x,
--pipe, --scan, --bigkeys, --memkeys, --stat, --latency, --eval, --rdb)."""

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


# ---- redis-cli against Vermilion ------------------------------------------------------------
# The same redis-cli invocation runs against Vermilion and against the real redis-server (the
# session's two servers); its output and exit status must be the same.  Modes whose output
# holds measurements (--stat, --latency, --memkeys) are checked for their shape and counts.

def redis_cli() -> str:
    exe = shutil.which("redis-cli")
    if exe is None:
        pytest.fail("redis-cli is missing: install it with 'apt-get install -y redis-tools'")
    return exe


def cli(port: int, args: list[str], stdin: str | bytes | None = None, timeout: float = 20):
    text = not isinstance(stdin, bytes)
    out = subprocess.run([redis_cli(), "-p", str(port)] + args, input=stdin, capture_output=True, text=text,
                         timeout=timeout)
    return out.returncode, out.stdout, out.stderr


@pytest.fixture
def servers(vermilion_server, redis_server):
    """Both session servers, flushed and holding one key of every type."""
    ports = (vermilion_server.port, redis_server.port)
    for port in ports:
        c = redis.Redis(port=port)
        c.flushall()
        c.rpush("list", "a", "b", "c")
        c.hset("hash", mapping={"f": "v", "g": "1"})
        c.set("str", "hello")
        c.set("int", "12")
        c.zadd("zset", {"a": 1, "b": 2.5})
        c.sadd("set", "x")
        c.xadd("stream", {"f": "v"}, id="1-1")
        c.close()
    return ports


def same(ports, args, stdin=None, normalise=lambda s: s):
    (rc1, out1, err1), (rc2, out2, err2) = (cli(p, args, stdin) for p in ports)
    assert (rc1, normalise(out1), err1) == (rc2, normalise(out2), err2), args
    return out1


CLI_COMMANDS = [
    ["GET", "str"], ["GET", "missing"], ["INCR", "int"], ["LRANGE", "list", "0", "-1"], ["HGETALL", "hash"],
    ["ZRANGE", "zset", "0", "-1", "WITHSCORES"], ["ZSCORE", "zset", "b"], ["SMEMBERS", "set"],
    ["XRANGE", "stream", "-", "+"], ["TYPE", "stream"], ["GET", "list"], ["NOPE", "x"], ["EXISTS", "str", "list"],
    ["OBJECT", "ENCODING", "int"], ["CONFIG", "GET", "maxmemory"], ["SET", "k", "a b\n\"c\""], ["GET", "k"],
    ["DBSIZE"], ["XINFO", "GROUPS", "stream"], ["PING"], ["ECHO", "\x01\xff"],
]


@pytest.mark.parametrize("mode", [[], ["--raw"], ["--no-raw"], ["--csv"], ["-3"], ["-3", "--no-raw"]],
                         ids=["default", "raw", "no-raw", "csv", "resp3", "resp3-no-raw"])
def test_cli_commands_from_argv(servers, mode):
    for cmd in CLI_COMMANDS:
        same(servers, mode + cmd)


def test_cli_commands_from_stdin_and_dash_x(servers):
    script = "SET a 1\nINCR a\nget a\nincr\nLPUSH a x\nHGETALL hash\nMULTI\nINCR a\nEXEC\nSELECT 2\nDBSIZE\n"
    same(servers, [], stdin=script)
    same(servers, ["-n", "3", "DBSIZE"])
    same(servers, ["-x", "SET", "piped"], stdin="line one\nline two\n")
    same(servers, ["GET", "piped"])
    same(servers, ["-r", "3", "INCR", "counter"])
    same(servers, ["-e", "GET", "list"])  # -e: exit status 1 on an error reply
    same(servers, ["-a", "secret", "--no-auth-warning", "PING"])  # AUTH without requirepass


def test_cli_eval(servers, tmp_path):
    lua = tmp_path / "s.lua"
    lua.write_text("redis.call('SET', KEYS[1], ARGV[1])\nreturn {KEYS[1], redis.call('GET', KEYS[1]), 3.7}\n")
    same(servers, ["--eval", str(lua), "k1", ",", "v1"])
    lua.write_text("return redis.call('NOPE')\n")
    same(servers, ["--eval", str(lua)])


def test_cli_pipe(servers):
    cmds = "".join(f"SET key:{i} {i}\r\n" for i in range(2000)) + "INCR key:7\r\nNOPE\r\nGET list\r\n"
    out = same(servers, ["--pipe"], stdin=cmds)
    assert out.endswith("errors: 2, replies: 2003\n")
    # the RESP form, as produced by a bulk-loading script
    raw = b"".join(b"*3\r\n$5\r\nRPUSH\r\n$4\r\nbulk\r\n$%d\r\n%d\r\n" % (len(str(i)), i) for i in range(1000))
    rcs = [cli(p, ["--pipe"], stdin=raw)[:2] for p in servers]
    assert rcs[0] == rcs[1] and rcs[0][1].endswith(b"errors: 0, replies: 1000\n")
    same(servers, ["LLEN", "bulk"])


def test_cli_scan_bigkeys_memkeys(servers):
    lines = lambda s: sorted(s.splitlines())  # noqa: E731 - SCAN order is the hash table's
    same(servers, ["--scan"], normalise=lines)
    same(servers, ["--scan", "--pattern", "s*"], normalise=lines)
    same(servers, ["--scan", "--pattern", "*", "--type", "hash"], normalise=lines)
    same(servers, ["--bigkeys"], normalise=lambda s: sorted(x for x in s.splitlines() if "so far" not in x))
    for port in servers:
        rc, out, _ = cli(port, ["--memkeys"])
        assert rc == 0
        for n, kind, share in ((1, "list", "14.29"), (1, "hash", "14.29"), (2, "string", "28.57"),
                               (1, "zset", "14.29"), (1, "set", "14.29"), (1, "stream", "14.29")):
            assert re.search(rf"^{n} {kind}s with \d+ bytes \({share}% of keys", out, re.M), (kind, out)
    same(servers, ["--hotkeys"])  # refused unless maxmemory-policy is an LFU one


def test_cli_stat_and_latency(servers):
    vport = servers[0]
    out = subprocess.run(["timeout", "1.5", "stdbuf", "-o0", redis_cli(), "-p", str(vport), "--stat", "-i", "0.3"],
                         capture_output=True, text=True, timeout=10).stdout.splitlines()
    assert out[0].split() == ["-------", "data", "------", "---------------------", "load",
                              "--------------------", "-", "child", "-"]
    assert out[1].split() == ["keys", "mem", "clients", "blocked", "requests", "connections"]
    row = out[2].split()
    assert row[0] == "7" and re.fullmatch(r"[\d.]+[KMG]?", row[1]) and int(row[2]) >= 1 and row[3] == "0", row
    out = subprocess.run(["timeout", "1.2", redis_cli(), "-p", str(vport), "--latency", "--raw"],
                         capture_output=True, text=True, timeout=10).stdout.split()
    assert len(out) == 4 and int(out[3]) > 10, out  # min max avg samples


def _cli_rdb(port: int, path, timeout: float = 10):
    try:
        out = subprocess.run([redis_cli(), "-p", str(port), "--rdb", str(path)], capture_output=True,
                             text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return None, f"timed out: {e.stderr!r}"
    return out.returncode, out.stderr


def test_cli_rdb_disk_based(servers, tmp_path):
    vport = servers[0]
    c = redis.Redis(port=vport)
    c.config_set("repl-diskless-sync", "no")
    try:
        rc, err = _cli_rdb(vport, tmp_path / "d.rdb")
    finally:
        c.config_set("repl-diskless-sync", "yes")
        c.close()
    assert rc == 0 and "Transfer finished with success" in err, err
    check = subprocess.run(["redis-check-rdb", str(tmp_path / "d.rdb")], capture_output=True, text=True)
    assert "\\o/ RDB looks OK! \\o/" in check.stdout and "[info] 7 keys read" in check.stdout, check.stdout


def test_cli_rdb_diskless(servers, tmp_path):
    c = redis.Redis(port=servers[0])
    c.config_set("repl-diskless-sync-delay", "0")
    try:
        rc, err = _cli_rdb(servers[0], tmp_path / "d.rdb", timeout=4)
    finally:
        c.config_set("repl-diskless-sync-delay", "5")
        c.close()
    assert rc == 0 and "Transfer finished with success" in err, err


def test_redis_benchmark_runs(servers):
    exe = shutil.which("redis-benchmark")
    if exe is None:
        pytest.fail("redis-benchmark is missing: install it with 'apt-get install -y redis-tools'")
    tests = "ping_mbulk,set,get,incr,lpush,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,mset,xadd"
    out = subprocess.run([exe, "-p", str(servers[0]), "-t", tests, "-n", "500", "-c", "4", "-P", "4", "-q"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    names = re.findall(r"^(\S[^:]*): ([\d.]+) requests per second", out.stdout.replace("\r", "\n"), re.M)
    assert len({n for n, _ in names}) >= 14 and all(float(r) > 0 for _, r in names), out.stdout
    assert "ERR" not in out.stdout
