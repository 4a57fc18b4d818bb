"""The append-only file: Redis 7's multi-part layout on disk, loading at start
(truncated tails, corrupt files), BGREWRITEAOF, CONFIG SET appendonly, INFO, the
check tools, and interop both ways with a real redis-server 7."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import redis

from support.raw import RawClient
from support.servers import ServerProcess, wait_for

AOF_DIR = "appendonlydir"
MANIFEST = "appendonly.aof.manifest"


def populate(r: redis.Redis) -> None:
    r.set("s", "hello")
    r.incr("n")
    r.incrby("n", 41)
    r.rpush("l", "a", "b", *[f"x{i}" for i in range(200)])
    r.sadd("set", "a", "b", "c", 1, 2)
    r.hset("h", mapping={"f": "v", "g": "1"})
    r.zadd("z", {"a": 1, "b": -2.5, "c": float("inf")})
    r.xadd("st", {"f": "v"}, id="5-1")
    r.set("ttl", "v", ex=10_000)
    r.set("gone", "v")
    r.delete("gone")
    with r.pipeline(transaction=True) as p:
        p.set("tx1", "1")
        p.lpush("tx2", "q")
        p.execute()
    r2 = redis.Redis(port=r.connection_pool.connection_kwargs["port"], db=3)
    r2.set("db3", "three")


def snapshot(port: int) -> dict:
    out = {}
    for db in (0, 3):
        r = redis.Redis(port=port, db=db)
        for key in sorted(r.keys("*")):
            t = r.type(key)
            if t == b"string":
                v = r.get(key)
            elif t == b"list":
                v = r.lrange(key, 0, -1)
            elif t == b"set":
                v = sorted(r.smembers(key))
            elif t == b"hash":
                v = sorted(r.hgetall(key).items())
            elif t == b"zset":
                v = r.zrange(key, 0, -1, withscores=True)
            else:
                v = r.xrange(key)
            ttl = r.pttl(key)
            out[(db, key)] = (t, v, ttl > 0)
    return out


def read_manifest(d: str) -> list[str]:
    with open(os.path.join(d, AOF_DIR, MANIFEST)) as f:
        return f.read().splitlines()


def start_on(kind: str, d: str, args: list[str], wait: bool = True) -> ServerProcess:
    s = ServerProcess(kind, args + ["--dir", d], wait=False)
    s.dir = d  # the later --dir wins
    if wait:
        s.wait_ready()
    return s


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_restart_loads_every_value(preamble: str) -> None:
    args = ["--appendonly", "yes", "--aof-use-rdb-preamble", preamble]
    with ServerProcess("vermilion", args) as a:
        r = redis.Redis(port=a.port)
        populate(r)
        before = snapshot(a.port)
        assert read_manifest(a.dir) == [
            "file appendonly.aof.1.base.%s seq 1 type b" % ("rdb" if preamble == "yes" else "aof"),
            "file appendonly.aof.1.incr.aof seq 1 type i",
        ]
        d = a.dir
        a.proc.kill()
        a.proc.wait()
    with start_on("vermilion", d, args) as b:
        assert snapshot(b.port) == before
        # the second life appends to the same incr file
        redis.Redis(port=b.port).set("after", "1")
        before["after"] = 1
    with start_on("vermilion", d, args) as c:
        assert redis.Redis(port=c.port).get("after") == b"1"


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_bgrewriteaof_switches_files(preamble: str) -> None:
    args = ["--appendonly", "yes", "--aof-use-rdb-preamble", preamble]
    with ServerProcess("vermilion", args) as a:
        r = redis.Redis(port=a.port)
        populate(r)
        assert r.bgrewriteaof() in (True, b"Background append only file rewriting started")
        wait_for(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0
                 and r.info("persistence")["aof_rewrites"] == 1, 10)
        r.set("post", "rewrite")
        ext = "rdb" if preamble == "yes" else "aof"
        assert read_manifest(a.dir) == [
            f"file appendonly.aof.2.base.{ext} seq 2 type b",
            "file appendonly.aof.2.incr.aof seq 2 type i",
        ]
        assert sorted(os.listdir(os.path.join(a.dir, AOF_DIR))) == sorted(
            [f"appendonly.aof.2.base.{ext}", "appendonly.aof.2.incr.aof", MANIFEST])
        info = r.info("persistence")
        assert info["aof_last_bgrewrite_status"] == "ok"
        assert info["aof_base_size"] > 0 and info["aof_current_size"] >= info["aof_base_size"]
        before = snapshot(a.port)
        d = a.dir
    with start_on("vermilion", d, args) as b:
        assert snapshot(b.port) == before


def test_config_set_appendonly_at_runtime() -> None:
    with ServerProcess("vermilion", []) as a:
        r = redis.Redis(port=a.port)
        populate(r)
        assert r.info("persistence")["aof_enabled"] == 0
        assert r.config_set("appendonly", "yes")
        wait_for(lambda: r.info("persistence")["aof_rewrites"] == 1, 10)
        r.set("later", "x")
        lines = read_manifest(a.dir)
        assert lines == ["file appendonly.aof.1.base.rdb seq 1 type b", "file appendonly.aof.1.incr.aof seq 1 type i"]
        assert r.info("persistence")["aof_enabled"] == 1
        before = snapshot(a.port)
        r.config_set("appendonly", "no")
        assert r.info("persistence")["aof_enabled"] == 0
        r.set("not-logged", "x")
        d = a.dir
    with start_on("vermilion", d, ["--appendonly", "yes"]) as b:
        assert snapshot(b.port) == before


def test_bgrewriteaof_replies_and_debug_loadaof() -> None:
    with ServerProcess("vermilion", ["--appendonly", "yes", "--rdb-key-save-delay", "200000"]) as a:
        r = redis.Redis(port=a.port)
        r.mset({"a": 1, "b": 2, "c": 3})
        raw = RawClient(a.port)
        assert raw.call("BGREWRITEAOF") == b"+Background append only file rewriting started\r\n"
        assert raw.call("BGREWRITEAOF") == b"-ERR Background append only file rewriting already in progress\r\n"
        assert r.info("persistence")["aof_rewrite_in_progress"] == 1
        with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'bgrewriteaof'"):
            r.execute_command("BGREWRITEAOF", "x")
        r.config_set("rdb-key-save-delay", 0)
        wait_for(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0, 10)
        r.set("d", 4)
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        assert r.execute_command("DEBUG", "LOADAOF") == b"OK"
        assert sorted(r.keys()) == [b"a", b"b", b"c", b"d"]


def test_command_info_matches_redis(redis_server) -> None:
    real = redis.Redis(port=redis_server.port)
    with ServerProcess("vermilion", []) as a:
        ours = redis.Redis(port=a.port)
        assert ours.execute_command("COMMAND", "INFO", "bgrewriteaof") == \
            real.execute_command("COMMAND", "INFO", "bgrewriteaof")


def _incr_path(d: str) -> str:
    return os.path.join(d, AOF_DIR, "appendonly.aof.1.incr.aof")


def test_truncated_tail_is_cut() -> None:
    with ServerProcess("vermilion", ["--appendonly", "yes"]) as a:
        redis.Redis(port=a.port).set("k", "v")
        d = a.dir
    path = _incr_path(d)
    good = os.path.getsize(path)
    with open(path, "ab") as f:
        f.write(b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$5\r\nab")  # a write cut by a crash
    with start_on("vermilion", d, ["--appendonly", "yes", "--aof-load-truncated", "no"], wait=False) as s:
        assert s.proc.wait(10) == 1
        assert "Unexpected end of file reading the append only file" in s.read_log()
    with start_on("vermilion", d, ["--appendonly", "yes"]) as b:
        r = redis.Redis(port=b.port)
        assert r.get("k") == b"v" and r.get("x") is None
        assert "!!! Warning: short read while loading the AOF file" in b.read_log()
    assert os.path.getsize(path) >= good  # cut back to the good part (plus the new life's writes)


def test_incomplete_multi_is_reverted() -> None:
    with ServerProcess("vermilion", ["--appendonly", "yes"]) as a:
        redis.Redis(port=a.port).set("k", "v")
        d = a.dir
    with open(_incr_path(d), "ab") as f:
        f.write(b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n")
    with start_on("vermilion", d, ["--appendonly", "yes"]) as b:
        r = redis.Redis(port=b.port)
        assert r.get("k") == b"v" and r.get("x") is None
        assert "Revert incomplete MULTI/EXEC transaction" in b.read_log()


def test_corrupt_middle_exits() -> None:
    with ServerProcess("vermilion", ["--appendonly", "yes"]) as a:
        r = redis.Redis(port=a.port)
        r.set("k", "v")
        d = a.dir
    with open(_incr_path(d), "ab") as f:
        f.write(b"garbage!\r\n*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n")
    with start_on("vermilion", d, ["--appendonly", "yes"], wait=False) as s:
        assert s.proc.wait(10) == 1
        assert "Bad file format reading the append only file appendonly.aof.1.incr.aof" in s.read_log()
    check = [sys.executable, "-m", "vermilion.persistence.aof.check"]
    res = subprocess.run(check + [os.path.join(d, AOF_DIR, MANIFEST)], capture_output=True, text=True)
    assert res.returncode == 1 and "is not valid" in res.stdout
    res = subprocess.run(check + ["--fix", os.path.join(d, AOF_DIR, MANIFEST)], capture_output=True, text=True)
    assert res.returncode == 0 and "Successfully truncated" in res.stdout
    with start_on("vermilion", d, ["--appendonly", "yes"]) as b:
        assert redis.Redis(port=b.port).get("k") == b"v"


def test_redis_check_aof_accepts_our_files() -> None:
    exe = shutil.which("redis-check-aof")
    if exe is None:
        pytest.skip("redis-check-aof not installed")
    with ServerProcess("vermilion", ["--appendonly", "yes", "--aof-use-rdb-preamble", "no"]) as a:
        r = redis.Redis(port=a.port)
        populate(r)
        r.bgrewriteaof()
        wait_for(lambda: r.info("persistence")["aof_rewrites"] == 1, 10)
        r.set("more", "x")
        r.rpush("l", "y")
        d = a.dir
    res = subprocess.run([exe, os.path.join(d, AOF_DIR, MANIFEST)], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout
    assert "All AOF files and manifest are valid" in res.stdout
    res = subprocess.run([exe, os.path.join(d, AOF_DIR, "appendonly.aof.2.incr.aof")], capture_output=True, text=True)
    assert res.returncode == 0 and "is valid" in res.stdout


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_real_redis_loads_our_dir(preamble: str) -> None:
    args = ["--appendonly", "yes", "--aof-use-rdb-preamble", preamble]
    with ServerProcess("vermilion", args) as a:
        r = redis.Redis(port=a.port)
        populate(r)
        r.bgrewriteaof()
        wait_for(lambda: r.info("persistence")["aof_rewrites"] == 1, 10)
        r.set("after-rewrite", "1")
        r.rpush("l", "tail")
        before = snapshot(a.port)
        d = a.dir
    with start_on("redis", d, args) as real:
        wait_for(lambda: redis.Redis(port=real.port).info("persistence")["loading"] == 0, 10)
        assert snapshot(real.port) == before


def test_we_load_real_redis_dir() -> None:
    args = ["--appendonly", "yes"]
    with start_on("redis", _tmpdir(), args) as real:
        r = redis.Redis(port=real.port)
        populate(r)
        r.bgrewriteaof()
        wait_for(lambda: r.info("persistence")["aof_rewrites"] == 1, 10)
        r.set("after", "1")
        before = snapshot(real.port)
        d = real.dir
    with start_on("vermilion", d, args) as ours:
        assert snapshot(ours.port) == before


def _tmpdir() -> str:
    import tempfile  # noqa: PLC0415

    return tempfile.mkdtemp(prefix="real-aof-")


def test_aof_with_replication_both_sides() -> None:
    """The primary's AOF keeps logging once a replica attaches (replication's feeder
    sits behind the AOF), and a replica's AOF is rewritten after the full sync and
    then logs the primary's stream."""
    args = ["--appendonly", "yes"]
    with ServerProcess("vermilion", args) as p:
        rp = redis.Redis(port=p.port)
        rp.set("before-sync", "1")
        with ServerProcess("vermilion", args + ["--replicaof", "127.0.0.1", str(p.port)]) as rep:
            rr = redis.Redis(port=rep.port)
            wait_for(lambda: rr.get("before-sync") == b"1", 10)
            wait_for(lambda: rr.info("persistence")["aof_rewrites"] >= 1
                     and rr.info("persistence")["aof_rewrite_in_progress"] == 0, 10)
            rp.set("after-sync", "2")
            rp.rpush("l", "a", "b")
            wait_for(lambda: rr.lrange("l", 0, -1) == [b"a", b"b"], 10)
            rep_dir = rep.dir
        p_dir = p.dir
    for d in (p_dir, rep_dir):
        with start_on("vermilion", d, args) as s:
            r = redis.Redis(port=s.port)
            assert (r.get("before-sync"), r.get("after-sync"), r.lrange("l", 0, -1)) == (b"1", b"2", [b"a", b"b"])


def test_one_child_at_a_time() -> None:
    """BGSAVE refuses (or schedules) while a rewrite runs; BGREWRITEAOF during a BGSAVE
    is scheduled and starts once the snapshot is done -- as Redis, one fork at a time."""
    with ServerProcess("vermilion", ["--appendonly", "yes", "--rdb-key-save-delay", "100000"]) as a:
        r = redis.Redis(port=a.port)
        r.mset({f"k{i}": i for i in range(5)})
        raw = RawClient(a.port)
        assert raw.call("BGREWRITEAOF") == b"+Background append only file rewriting started\r\n"
        assert raw.call("BGSAVE") == (b"-ERR Another child process is active (AOF?): can't BGSAVE right now. "
                                      b"Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.\r\n")
        assert raw.call("BGSAVE", "SCHEDULE") == b"+Background saving scheduled\r\n"
        r.config_set("rdb-key-save-delay", 0)
        wait_for(lambda: r.info("persistence")["aof_rewrites"] == 1, 10)
        wait_for(lambda: r.info("persistence")["rdb_saves"] >= 1
                 and r.info("persistence")["rdb_bgsave_in_progress"] == 0, 10)
        r.config_set("rdb-key-save-delay", 100000)
        assert r.bgsave()
        assert raw.call("BGREWRITEAOF") == b"+Background append only file rewriting scheduled\r\n"
        assert r.info("persistence")["aof_rewrite_scheduled"] == 1
        r.config_set("rdb-key-save-delay", 0)
        wait_for(lambda: r.info("persistence")["aof_rewrites"] == 2, 10)
        assert r.info("persistence")["aof_rewrite_scheduled"] == 0


def test_timestamp_annotations_load_here_and_in_redis() -> None:
    args = ["--appendonly", "yes", "--aof-timestamp-enabled", "yes"]
    with ServerProcess("vermilion", args) as a:
        r = redis.Redis(port=a.port)
        r.set("a", "1")
        r.set("b", "2")
        d = a.dir
    with open(_incr_path(d), "rb") as f:
        assert f.read().startswith(b"#TS:")
    with start_on("vermilion", d, args) as b:
        assert redis.Redis(port=b.port).mget("a", "b") == [b"1", b"2"]
    with start_on("redis", d, args) as real:
        rr = redis.Redis(port=real.port)
        wait_for(lambda: rr.info("persistence")["loading"] == 0, 10)
        assert rr.mget("a", "b") == [b"1", b"2"]


def test_auto_rewrite_on_growth() -> None:
    args = ["--appendonly", "yes", "--auto-aof-rewrite-min-size", "4096", "--auto-aof-rewrite-percentage", "100"]
    with ServerProcess("vermilion", args) as a:
        r = redis.Redis(port=a.port)
        assert r.info("persistence")["aof_rewrites"] == 0
        for i in range(60):
            r.set("k", "x" * 100 + str(i))  # the log grows, the dataset does not
        wait_for(lambda: r.info("persistence")["aof_rewrites"] == 1, 10)
        info = r.info("persistence")
        assert info["aof_current_size"] < 4096 and info["aof_base_size"] == info["aof_current_size"]
        assert "Starting automatic rewriting of AOF on" in a.read_log()
        assert r.get("k") == b"x" * 100 + b"59"


def test_old_style_aof_is_migrated() -> None:
    """A Redis 6 style single appendonly.aof (RDB preamble + command tail) in ``dir``
    moves into the AOF directory as the base, and every write in it is loaded."""
    d = _tmpdir()
    with start_on("redis", d, ["--appendonly", "yes", "--aof-use-rdb-preamble", "yes"]) as real:
        r = redis.Redis(port=real.port)
        wait_for(lambda: r.info("persistence")["loading"] == 0, 10)
        populate(r)
        before = snapshot(real.port)
    # build the old layout from real Redis's files: its RDB base followed by its incr commands
    aofdir = os.path.join(d, AOF_DIR)
    lines = open(os.path.join(aofdir, MANIFEST)).read().split()
    names = [lines[i + 1] for i, w in enumerate(lines) if w == "file"]
    with open(os.path.join(d, "appendonly.aof"), "wb") as out:
        for name in names:
            with open(os.path.join(aofdir, name), "rb") as f:
                out.write(f.read())
    shutil.rmtree(aofdir)
    with start_on("vermilion", d, ["--appendonly", "yes"]) as ours:
        assert snapshot(ours.port) == before
        assert "Successfully migrated an old-style AOF" in ours.read_log()
    assert read_manifest(d)[0] == "file appendonly.aof seq 1 type b"
    assert not os.path.exists(os.path.join(d, "appendonly.aof"))


def test_shutdown_refused_while_writing_the_first_base() -> None:
    with ServerProcess("vermilion", ["--rdb-key-save-delay", "100000"]) as a:
        r = redis.Redis(port=a.port)
        r.mset({f"k{i}": i for i in range(5)})
        r.config_set("appendonly", "yes")
        raw = RawClient(a.port)
        assert raw.call("SHUTDOWN") == b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
        assert "Writing initial AOF, can't exit." in a.read_log()
        r.config_set("rdb-key-save-delay", 0)
        wait_for(lambda: r.info("persistence")["aof_rewrites"] == 1, 10)
        r.set("last", "1")
        raw.send(b"SHUTDOWN\r\n")
        assert raw.read_until_closed() == b""
        assert a.proc.wait(10) == 0
        d = a.dir
    with start_on("vermilion", d, ["--appendonly", "yes"]) as b:
        assert redis.Redis(port=b.port).dbsize() == 6
