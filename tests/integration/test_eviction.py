"""maxmemory and eviction, measured on a real Vermilion process.

* allkeys-lru under load: clients writing random 1 KB values into a server with
  ``maxmemory 50mb``; the resident set must stay within 1.5x of maxmemory, keys must be
  evicted (``evicted_keys``, ``evicted`` keyspace events) and the server must keep
  answering.  Bounded to about 15 s.
* noeviction: writes are refused with Redis's -OOM once the limit is reached, reads and
  deletes still work.
* volatile-lru with no key carrying a TTL: nothing can be evicted, so -OOM as well.
"""

from __future__ import annotations

import os
import threading
import time

import redis

from support.servers import ServerProcess, wait_for

LIMIT = 50 * 1024 * 1024
OOM = "command not allowed when used memory > 'maxmemory'."


def _writer(port: int, stop: threading.Event, errors: list) -> None:
    client = redis.Redis(port=port, socket_timeout=10)
    value = os.urandom(1024)
    try:
        while not stop.is_set():
            pipe = client.pipeline(transaction=False)
            for _ in range(50):
                pipe.set(b"key:%d" % int.from_bytes(os.urandom(4), "big"), value)
            pipe.execute()
    except Exception as e:  # noqa: BLE001
        errors.append(e)
    finally:
        client.close()


def test_allkeys_lru_holds_rss_near_maxmemory():
    with ServerProcess("vermilion", args=["--maxmemory", "50mb", "--maxmemory-policy", "allkeys-lru",
                                          "--save", "", "--notify-keyspace-events", "Ee"]) as srv:
        watcher = redis.Redis(port=srv.port, socket_timeout=10)
        pubsub = watcher.pubsub()
        pubsub.psubscribe("__keyevent@0__:evicted")
        stop = threading.Event()
        errors: list = []
        threads = [threading.Thread(target=_writer, args=(srv.port, stop, errors)) for _ in range(3)]
        for t in threads:
            t.start()
        probe = redis.Redis(port=srv.port, socket_timeout=10)
        deadline = time.monotonic() + 12
        max_rss = 0
        try:
            while time.monotonic() < deadline:
                info = probe.info("memory")
                max_rss = max(max_rss, info["used_memory_rss"])
                assert probe.ping()
                if probe.info("stats")["evicted_keys"] > 20000:
                    break
                time.sleep(0.2)
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        assert not errors, errors
        info = probe.info()
        assert info["evicted_keys"] > 0
        assert info["used_memory"] <= LIMIT * 1.05
        max_rss = max(max_rss, info["used_memory_rss"])
        assert max_rss <= LIMIT * 1.5, f"RSS {max_rss} over 1.5x maxmemory"
        assert probe.dbsize() > 1000  # evicted down to the limit, not emptied
        msg = None
        wait_for(lambda: (msg := pubsub.get_message(timeout=0.1)) is not None and msg["type"] == "pmessage",
                 what="an evicted keyspace event")
        pubsub.close()
        watcher.close()
        probe.close()


def test_noeviction_refuses_writes_with_oom():
    with ServerProcess("vermilion", args=["--save", ""]) as srv:
        r = redis.Redis(port=srv.port)
        r.set("before", "1")
        used = r.info("memory")["used_memory"]
        r.config_set("maxmemory", str(used + 256 * 1024))
        value = b"x" * 4096
        refused = None
        for i in range(2000):
            try:
                r.set(f"k{i}", value)
            except redis.exceptions.ResponseError as e:
                refused = str(e)
                break
        assert refused is not None and refused.endswith(OOM)
        assert r.get("before") == b"1"
        assert r.delete("k0") == 1
        r.config_set("maxmemory-policy", "allkeys-random")
        r.set("after", "1")  # now something can be evicted
        assert r.info("stats")["evicted_keys"] > 0
        r.close()


def test_volatile_policy_without_ttl_keys_is_oom():
    with ServerProcess("vermilion", args=["--save", "", "--maxmemory-policy", "volatile-lru"]) as srv:
        r = redis.Redis(port=srv.port)
        for i in range(200):
            r.set(f"k{i}", b"x" * 4096)
        r.set("ttl", b"x" * 4096, ex=1000)
        r.config_set("maxmemory", str(r.info("memory")["used_memory"] - 1024))
        r.set("small", "1")  # the TTL key is evicted to make room
        assert r.exists("ttl") == 0
        try:
            r.set("again", b"x" * 4096)
            r.set("again2", b"x" * 4096)
            raise AssertionError("expected OOM")
        except redis.exceptions.ResponseError as e:
            assert str(e).endswith(OOM)
        assert r.dbsize() >= 200
        r.close()
