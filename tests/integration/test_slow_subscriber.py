"""A subscriber that stops reading is disconnected at its ``client-output-buffer-limit
pubsub`` limit (hard at once, soft after its seconds), and the server's memory stays
bounded meanwhile; a normal client is untouched."""

from __future__ import annotations

import socket

import pytest
from support.raw import RawClient, encode_command
from support.servers import ServerProcess, wait_for


@pytest.fixture(scope="module")
def server():
    srv = ServerProcess("vermilion")
    yield srv
    srv.stop()


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def stalled_subscriber(port: int, channel: str) -> socket.socket:
    """A raw socket that subscribes and then never reads."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(encode_command("SUBSCRIBE", channel))
    return s


def numsub(c: RawClient, channel: str) -> int:
    reply = c.call("PUBSUB", "NUMSUB", channel)
    return int(reply.rsplit(b":", 1)[1].strip())


def test_hard_limit_disconnects_and_memory_stays_bounded(server):
    pub = RawClient(server.port)
    pub.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 2mb 1mb 60")
    sub = stalled_subscriber(server.port, "flood")
    wait_for(lambda: numsub(pub, "flood") == 1, what="subscribed")
    rss_before = rss_kb(server.proc.pid)
    payload = "x" * 65536
    batch = encode_command("PUBLISH", "flood", payload) * 16  # 1 MB per round trip
    sent_mb = 0
    while numsub(pub, "flood") and sent_mb < 256:
        pub.send(batch)
        for _ in range(16):
            pub.read_reply()
        sent_mb += 1
    assert numsub(pub, "flood") == 0, "the stalled subscriber was not disconnected"
    assert sent_mb < 256
    # Memory: nowhere near what was published (the unsent output was dropped).
    assert rss_kb(server.proc.pid) - rss_before < 64 * 1024
    sub.close()
    assert pub.call("PING") == b"+PONG\r\n"
    pub.close()


def test_soft_limit_disconnects_after_its_seconds(server):
    pub = RawClient(server.port)
    pub.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 256kb 1")
    sub = stalled_subscriber(server.port, "soft")
    wait_for(lambda: numsub(pub, "soft") == 1, what="subscribed")
    payload = "y" * 65536
    # Fill the socket buffers and pass the soft limit, then stop publishing.
    for _ in range(128):
        pub.call("PUBLISH", "soft", payload)
        if numsub(pub, "soft") == 0:
            break
    # Over the soft limit: disconnected once it lasted more than 1 s (cron check).
    wait_for(lambda: numsub(pub, "soft") == 0, timeout=6, what="soft-limit disconnect")
    sub.close()
    pub.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60")
    pub.close()


def test_reading_subscriber_is_not_disconnected(server):
    pub = RawClient(server.port)
    pub.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 512kb 60")
    sub = RawClient(server.port)
    sub.call("SUBSCRIBE", "ok")
    payload = "z" * 10000
    for i in range(300):  # 3 MB in total, read as it comes
        assert pub.call("PUBLISH", "ok", payload) == b":1\r\n"
        assert sub.read_reply().endswith(payload.encode() + b"\r\n")
    assert numsub(pub, "ok") == 1
    sub.close()
    pub.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60")
    pub.close()


def test_normal_class_limit(server):
    admin = RawClient(server.port)
    admin.call("SET", "big", "b" * (512 * 1024))
    admin.call("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0")
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", server.port))
        s.sendall(encode_command("CLIENT", "SETNAME", "hog") + encode_command("GET", "big") * 40)
        wait_for(lambda: b"name=hog" not in admin.call("CLIENT", "LIST"), timeout=6,
                 what="normal-class disconnect")
        s.close()
    finally:
        admin.call("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0")
        admin.call("DEL", "big")
        admin.close()
