"""RDB files across servers: what Vermilion saves loads in the real redis-server, and
what real Redis saves loads in Vermilion, every value equal; plus BGSAVE, save points,
the final save at shutdown, DEBUG RELOAD and a corrupt file at start."""

from __future__ import annotations

import os

import pytest
import redis

from support.raw import RawClient, encode_command
from support.servers import ServerProcess, wait_for

DBS = (0, 3)


def populate(port: int) -> None:
    for db in DBS:
        r = redis.Redis(port=port, db=db)
        p = r.pipeline(transaction=False)
        p.set("str", "hello %d" % db)
        p.set("int", "-4242")
        p.set("bigint", "123456789012345678")
        p.set("long", "abc" * 400)
        p.set("ttl", "v", ex=100_000)
        p.rpush("list_lp", "a", "1", "-70000", "")
        p.rpush("list_ql", *[f"element-{i}" * 3 for i in range(1500)])
        p.sadd("set_int", 1, 2, -3, 2**40)
        p.sadd("set_str", "a", "b", "c")
        p.sadd("set_ht", *[f"m{i}" for i in range(700)])
        p.hset("hash_lp", mapping={"f": "v", "n": "12"})
        p.hset("hash_ht", mapping={f"f{i}": "v" * (i % 90) for i in range(600)})
        p.zadd("zset_lp", {"a": 1, "b": -2.5, "c": 0})
        p.zadd("zset_sl", {f"m{i}": i / 4 - 7 for i in range(300)})
        p.zadd("zset_inf", {"p": float("inf"), "n": float("-inf")})
        p.pexpire("zset_sl", 50_000_000)
        p.execute()
        for i in range(150):
            r.xadd("stream", {"f": str(i), "g": "x" * (i % 7)}, id=f"{1000 + i}-{i % 3}")
        r.xadd("stream", {"other": "field"}, id="9000-0")
        r.xdel("stream", "1003-0")
        r.xgroup_create("stream", "g1", "0")
        r.xgroup_create("stream", "g2", "1100-0")
        r.xreadgroup("g1", "alice", {"stream": ">"}, count=3)
        r.xreadgroup("g1", "bob", {"stream": ">"}, count=2)
        r.xack("stream", "g1", "1000-0")
        r.close()


def snapshot(port: int) -> dict:
    """Every key of every db as plain data (TTLs rounded to minutes)."""
    out = {}
    for db in range(16):
        r = redis.Redis(port=port, db=db)
        for key in r.keys():
            t = r.type(key).decode()
            if t == "string":
                v = r.get(key)
            elif t == "list":
                v = r.lrange(key, 0, -1)
            elif t == "set":
                v = sorted(r.smembers(key))
            elif t == "hash":
                v = sorted(r.hgetall(key).items())
            elif t == "zset":
                v = r.zrange(key, 0, -1, withscores=True)
            else:
                full = r.xinfo_stream(key, full=True)
                for g in full["groups"]:
                    for c in g["consumers"]:
                        c.pop("active-time", None)  # 7.2 only; 7.0's files have none
                v = (r.xrange(key), full)
            ttl = r.pttl(key)
            out[(db, key, t)] = (v, -1 if ttl < 0 else ttl // 60_000)
        r.close()
    return out


def test_vermilion_save_loads_in_real_redis():
    with ServerProcess("vermilion", args=["--save", ""]) as v:
        populate(v.port)
        expected = snapshot(v.port)
        assert redis.Redis(port=v.port).save()
        path = os.path.join(v.dir, "dump.rdb")
        assert os.path.getsize(path) > 0
    with ServerProcess("redis", args=["--dir", v.dir, "--dbfilename", "dump.rdb"]) as real:
        assert snapshot(real.port) == expected
        assert len(expected) == 2 * 16


def test_real_redis_dump_loads_in_vermilion():
    with ServerProcess("redis") as real:
        populate(real.port)
        client = redis.Redis(port=real.port)
        client.function_load("#!lua name=lib\nredis.register_function('f', function() return 1 end)")
        # (7.0 keeps every list as a quicklist, of listpack nodes)
        for key, enc in ((b"list_ql", b"quicklist"), (b"set_int", b"intset"),
                         (b"hash_lp", b"listpack"), (b"zset_lp", b"listpack"), (b"zset_sl", b"skiplist")):
            assert client.object("encoding", key) == enc
        expected = snapshot(real.port)
        assert client.save()
        dump = os.path.join(real.dir, "dump.rdb")
    with ServerProcess("vermilion", args=["--dir", real.dir, "--dbfilename", "dump.rdb", "--save", ""]) as v:
        assert snapshot(v.port) == expected
        log = v.read_log()
        assert "Loading RDB produced by version 7." in log
        assert "DB loaded from disk:" in log
        assert "Done loading RDB, keys loaded: %d, keys expired: 0." % len(expected) in log
        info = redis.Redis(port=v.port).info("persistence")
        assert info["rdb_last_load_keys_loaded"] == len(expected)
        # Our own snapshot of what we loaded keeps the function library for later.
        assert redis.Redis(port=v.port).save()
    assert os.path.exists(dump)


def test_corrupt_file_refused_at_start(tmp_path):
    with ServerProcess("redis") as real:
        redis.Redis(port=real.port).set("k", "v" * 100)
        redis.Redis(port=real.port).save()
        data = bytearray(open(os.path.join(real.dir, "dump.rdb"), "rb").read())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "bad.rdb").write_bytes(bytes(data))
    v = ServerProcess("vermilion", args=["--dir", str(tmp_path), "--dbfilename", "bad.rdb"], wait=False)
    try:
        assert v.proc.wait(15) == 1
        log = v.read_log()
        assert "Internal error in RDB reading offset" in log or "checksum" in log
        assert "Terminating server after rdb file reading failure." in log
    finally:
        v.stop()
    (tmp_path / "trunc.rdb").write_bytes(bytes(data[:20]))
    v = ServerProcess("vermilion", args=["--dir", str(tmp_path), "--dbfilename", "trunc.rdb"], wait=False)
    try:
        assert v.proc.wait(15) == 1
        assert "offset" in v.read_log()
    finally:
        v.stop()


def test_bgsave_save_points_shutdown_and_reload():
    with ServerProcess("vermilion", args=["--save", "1 1"]) as v:
        c = redis.Redis(port=v.port)
        c.execute_command("DEBUG", "POPULATE", "30000")
        c.set("marker", "1")
        # The save point (1 second, 1 change) starts a BGSAVE on its own.
        wait_for(lambda: c.info("persistence")["rdb_changes_since_last_save"] == 0, timeout=10,
                 what="the save point's BGSAVE")
        assert c.info("persistence")["rdb_last_bgsave_status"] == "ok"
        assert "Background saving terminated with success" in v.read_log()
        c.config_set("save", "")
        c.set("after", "2")
        # Two BGSAVEs in one packet run in one batch: the child cannot be reaped between.
        raw = RawClient(v.port)
        raw.send(b"*1\r\n$6\r\nBGSAVE\r\n*1\r\n$6\r\nBGSAVE\r\n*1\r\n$4\r\nSAVE\r\n")
        assert raw.read_reply() == b"+Background saving started\r\n"
        assert raw.read_reply() == b"-ERR Background save already in progress\r\n"
        assert raw.read_reply() == b"-ERR Background save already in progress\r\n"
        raw.close()
        wait_for(lambda: c.info("persistence")["rdb_bgsave_in_progress"] == 0, timeout=10, what="BGSAVE")
        with pytest.raises(redis.ResponseError, match="syntax error"):
            c.execute_command("BGSAVE", "NOW")
        assert c.execute_command("BGSAVE", "SCHEDULE") in (b"Background saving started", b"OK", True)
        wait_for(lambda: c.info("persistence")["rdb_bgsave_in_progress"] == 0, timeout=10, what="BGSAVE")
        c.set("unsaved", "3")
        assert c.execute_command("DEBUG", "RELOAD") in (b"OK", True)
        assert c.dbsize() == 30003 and c.get("unsaved") == b"3"
        c.set("last", "4")
        with pytest.raises(redis.ResponseError, match="only supports"):
            c.execute_command("DEBUG", "RELOAD", "BAD")
        c.config_set("save", "3600 1")
    # SIGTERM with save points: the final snapshot has "last".
    with ServerProcess("vermilion", args=["--dir", v.dir, "--save", ""]) as again:
        c = redis.Redis(port=again.port)
        assert c.get("last") == b"4" and c.dbsize() == 30004
        assert "Saving the final RDB snapshot" in open(v.log_path, errors="replace").read()
        c.set("not-saved", "x")
        try:
            c.shutdown(nosave=True)
        except redis.ConnectionError:
            pass
    with ServerProcess("vermilion", args=["--dir", v.dir, "--save", ""]) as third:
        assert redis.Redis(port=third.port).get("not-saved") is None


def test_save_errors_and_lastsave():
    with ServerProcess("vermilion", args=["--save", ""]) as v:
        c = redis.Redis(port=v.port)
        before = c.lastsave()
        saves = c.info("persistence")["rdb_saves"]
        c.execute_command("DEBUG", "RELOAD")
        assert c.info("persistence")["rdb_saves"] == saves  # as Redis: not counted
        c.set("k", "v")
        assert c.info("persistence")["rdb_changes_since_last_save"] >= 1
        assert c.save()
        assert c.info("persistence")["rdb_changes_since_last_save"] == 0
        assert c.info("persistence")["rdb_saves"] == saves + 1
        assert c.lastsave() >= before
        # A directory where the temp file should go makes the write fail.
        blocker = os.path.join(v.dir, "temp-%d.rdb" % v.proc.pid)
        os.mkdir(blocker)
        try:
            raw = RawClient(v.port)
            assert raw.call("SAVE") == b"-ERR\r\n"  # Redis's shared.err: the reason is in the log
            raw.close()
            assert "Failed opening the temp RDB file" in v.read_log()
        finally:
            os.rmdir(blocker)
        assert c.save()
        assert c.info("persistence")["rdb_last_bgsave_status"] == "ok"


def test_failed_bgsave_refuses_writes_like_redis():
    """stop-writes-on-bgsave-error: after a failed BGSAVE (here: the final rename hits a
    directory), writes and PING get MISCONF on both servers until a save succeeds."""
    servers = [ServerProcess(kind, args=["--save", "3600 1"]) for kind in ("vermilion", "redis")]
    try:
        replies = []
        for srv in servers:
            blocker = os.path.join(srv.dir, "dump.rdb")
            os.mkdir(blocker)
            open(os.path.join(blocker, "x"), "w").close()
            raw = RawClient(srv.port)
            assert raw.call("SET", "k", "v") == b"+OK\r\n"
            assert raw.call("BGSAVE") == b"+Background saving started\r\n"
            c = redis.Redis(port=srv.port)
            wait_for(lambda: c.info("persistence")["rdb_bgsave_in_progress"] == 0, timeout=10, what="BGSAVE")
            assert c.info("persistence")["rdb_last_bgsave_status"] == "err"
            got = [raw.call(*cmd) for cmd in (("SET", "k", "2"), ("PING",), ("GET", "k"), ("DEL", "k"),
                                              ("CONFIG", "SET", "stop-writes-on-bgsave-error", "no"),
                                              ("SET", "k", "3"),
                                              ("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"),
                                              ("INCR", "n"))]
            os.unlink(os.path.join(blocker, "x"))
            os.rmdir(blocker)
            assert raw.call("SAVE") == b"+OK\r\n"
            got.append(raw.call("SET", "k", "4"))
            replies.append(got)
            raw.close()
        assert replies[0] == replies[1]
        assert replies[0][0].startswith(b"-MISCONF ")
    finally:
        for srv in servers:
            srv.stop()


def test_shutdown_kills_a_running_bgsave_child():
    with ServerProcess("vermilion", args=["--save", "", "--rdb-key-save-delay", "100000"]) as v:
        c = redis.Redis(port=v.port)
        c.execute_command("DEBUG", "POPULATE", "100")
        assert c.bgsave()
        info = c.info("persistence")
        assert info["rdb_bgsave_in_progress"] == 1 and info["rdb_current_bgsave_time_sec"] >= 0
        with pytest.raises(redis.ResponseError, match="Background save already in progress"):
            c.save()
        try:
            c.shutdown(nosave=True)
        except redis.ConnectionError:
            pass
        assert v.proc.wait(10) == 0
        log = v.read_log()
        assert "There is a child saving an .rdb. Killing it!" in log
        assert not [f for f in os.listdir(v.dir) if f.startswith("temp-")]


# ---- loading while listening -------------------------------------------------------------

@pytest.fixture(scope="module")
def big_rdb(tmp_path_factory) -> str:
    """A real Redis dump of 200,000 keys (DEBUG POPULATE): a few seconds to load here."""
    folder = str(tmp_path_factory.mktemp("bigrdb"))
    with ServerProcess("redis", args=["--dir", folder]) as real:
        r = redis.Redis(port=real.port)
        r.execute_command("DEBUG", "POPULATE", 200_000)
        r.save()
    return os.path.join(folder, "dump.rdb")


def _copy_to(path: str, folder: str) -> None:
    with open(path, "rb") as src, open(os.path.join(folder, "dump.rdb"), "wb") as dst:
        dst.write(src.read())


def test_clients_get_loading_while_a_big_rdb_loads(big_rdb, tmp_path):
    _copy_to(big_rdb, str(tmp_path))
    with ServerProcess("vermilion", args=["--dir", str(tmp_path), "--save", ""], wait=False) as v:
        raw = None
        seen = {}

        def loading_seen() -> bool:
            nonlocal raw
            if v.proc.poll() is not None:
                raise AssertionError(v.read_log())
            try:
                raw = raw or RawClient(port=v.port)
                # one write: the four are answered in the same pass over the sockets
                raw.send(encode_command("GET", "key:1") + encode_command("PING")
                         + encode_command("INFO", "persistence") + encode_command("CONFIG", "GET", "port"))
                for name in ("get", "ping", "info", "config"):
                    seen[name] = raw.read_reply()
            except OSError:
                raw = None
                return False
            return seen["get"].startswith(b"-LOADING")

        wait_for(loading_seen, 20, interval=0.01, what="a connection while loading")
        assert seen["get"] == b"-LOADING Redis is loading the dataset in memory\r\n"
        assert seen["ping"] == b"-LOADING Redis is loading the dataset in memory\r\n"
        info = seen["info"].decode()
        assert "\r\nloading:1\r\n" in info and "loading_loaded_perc:" in info
        assert "loading_total_bytes:%d\r\n" % os.path.getsize(big_rdb) in info
        assert "loading_rdb_used_mem:0\r\n" not in info  # from the file's used-mem aux field
        assert seen["config"].endswith(b"$4\r\nport\r\n$%d\r\n%d\r\n" % (len(str(v.port)), v.port))
        # the same connection is served normally once the load is over
        wait_for(lambda: raw.call("DBSIZE") == b":200000\r\n", 60, what="loaded")
        assert raw.call("GET", "key:7") == b"$7\r\nvalue:7\r\n"
        assert b"\r\nloading:0\r\n" in raw.call("INFO", "persistence")
        raw.close()


def test_sigterm_while_loading_exits_without_saving(big_rdb, tmp_path):
    _copy_to(big_rdb, str(tmp_path))
    before = os.path.getmtime(os.path.join(tmp_path, "dump.rdb"))
    with ServerProcess("vermilion", args=["--dir", str(tmp_path)], wait=False) as v:  # save points: no save anyway
        def loading() -> bool:
            try:
                return RawClient(port=v.port).call("GET", "x").startswith(b"-LOADING")
            except OSError:
                return False

        wait_for(loading, 20, what="loading")
        v.proc.terminate()
        assert v.proc.wait(10) == 0
        assert "Received SIGTERM" in v.read_log()
    assert os.path.getmtime(os.path.join(tmp_path, "dump.rdb")) == before


def test_flushall_saves_when_save_points_are_set(tmp_path):
    """Redis 7: FLUSHALL kills a running BGSAVE child and, with save points, saves the
    (empty) dataset at once, leaving no change to save; without save points it counts
    the deleted keys."""
    for kind in ("redis", "vermilion"):
        with ServerProcess(kind, args=["--save", "3600 1"]) as s:
            r = redis.Redis(port=s.port)
            r.mset({"a": 1, "b": 2})
            r.save()
            r.set("c", 3)
            r.flushall()
            assert r.info("persistence")["rdb_changes_since_last_save"] == 0, kind
            s.proc.kill()  # no final save: the file must come from FLUSHALL itself
            s.proc.wait()
            with ServerProcess(kind, args=["--dir", s.dir, "--save", ""]) as again:
                assert redis.Redis(port=again.port).dbsize() == 0, kind
        with ServerProcess(kind, args=["--save", ""]) as s:
            r = redis.Redis(port=s.port)
            r.mset({"a": 1, "b": 2})
            r.flushall()
            assert r.info("persistence")["rdb_changes_since_last_save"] == 4, kind


@pytest.mark.parametrize("compression,checksum", [("yes", "yes"), ("no", "no")])
def test_compressed_and_unchecksummed_files_load_in_real_redis(tmp_path, compression, checksum):
    """rdbcompression yes writes LZF strings (type byte 0xC3 in the length encoding) that
    real Redis decompresses; rdbchecksum no writes a zero CRC that Redis accepts."""
    folder = str(tmp_path)
    with ServerProcess("vermilion", args=["--dir", folder, "--rdbcompression", compression,
                                          "--rdbchecksum", checksum]) as v:
        r = redis.Redis(port=v.port)
        r.set("rep", "abc" * 400)
        r.set("json", b'{"user":"' + b"x" * 50 + b'","tags":["a","a","a","a","a","a"]}' * 8)
        r.rpush("list", *[b"element-%d-" % i + b"pad" * 30 for i in range(50)])
        r.hset("hash", mapping={f"f{i}": "v" * 300 for i in range(5)})
        r.set("small", "short")
        digest = r.execute_command("DEBUG", "DIGEST")
        r.save()
    with open(os.path.join(folder, "dump.rdb"), "rb") as f:
        data = f.read()
    if compression == "yes":
        assert b"\xc3" in data and len(data) < 3000
    else:
        assert len(data) > 8_000
    if checksum == "no":
        assert data[-8:] == bytes(8)
    with ServerProcess("redis", args=["--dir", folder, "--dbfilename", "dump.rdb"]) as real:
        rr = redis.Redis(port=real.port)
        assert rr.execute_command("DEBUG", "DIGEST") == digest
        assert rr.get("rep") == b"abc" * 400
