"""Redis's clusterMsg (cluster.h, Redis 7.2) packed and unpacked with ``struct``.

All integers are big-endian (network order).  The header is 2256 bytes::

    sig "RCmb" | totlen u32 | ver u16 (=1) | port u16 | type u16 | count u16 |
    currentEpoch u64 | configEpoch u64 | offset u64 | sender[40] | myslots[2048] |
    slaveof[40] | myip[46] | extensions u16 | notused1[30] | pport u16 | cport u16 |
    flags u16 | state u8 | mflags[3]

then the data: for PING/PONG/MEET ``count`` gossip entries of 104 bytes (nodename[40],
ping_sent u32, pong_received u32, ip[46], port u16, cport u16, flags u16, pport u16,
notused u16) followed by ``extensions`` ping extensions (Redis 7.2's clusterMsgPingExt:
``length u32`` (header included) ``| type u16 | unused u16`` then the data padded to 8
bytes: 0 hostname and 1 human nodename as NUL-terminated strings, 2 forgotten node
``name[40] | ttl u64`` (seconds), 3 shard id ``[40]``; unknown types are kept as raw
``(type, data)`` so the receiver can log them); FAIL carries a
nodename[40]; UPDATE a configEpoch u64, nodename[40] and a slots bitmap[2048];
PUBLISH / PUBLISHSHARD ``channel_len u32 | message_len u32 | channel | message`` (Redis's
clusterMsgDataPublish, whose 8-byte ``bulk_data`` placeholder is not counted in totlen);
MFSTART, AUTH_REQUEST and AUTH_ACK are the header alone.  ``mflags[0]`` carries
``MF_PAUSED`` (a primary paused for a manual failover: its offset is final) and
``MF_FORCEACK`` (a manual failover's vote request: primaries vote although the
replica's primary is not failing).
``decode`` raises ``BadMessage`` on anything malformed or truncated (a PUBLISH whose
lengths do not add up to totlen included, as Redis's clusterIsValidPacket).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

PING, PONG, MEET, FAIL, PUBLISH, AUTH_REQUEST, AUTH_ACK, UPDATE, MFSTART, MODULE, PUBLISHSHARD = range(11)
TYPE_NAMES = ("ping", "pong", "meet", "fail", "publish", "auth-req", "auth-ack", "update",
              "mfstart", "module", "publishshard")

HEADER = struct.Struct(">4sIHHHHQQQ40s2048s40s46sH30sHHHB3s")
GOSSIP = struct.Struct(">40sII46sHHHHH")
UPDATE_DATA = struct.Struct(">Q40s2048s")
PUBLISH_LENS = struct.Struct(">II")
MF_PAUSED = 1  # CLUSTERMSG_FLAG0_PAUSED
MF_FORCEACK = 2  # CLUSTERMSG_FLAG0_FORCEACK
MF_EXT_DATA = 4  # CLUSTERMSG_FLAG0_EXT_DATA: the sender understands ping extensions
EXT_HEADER = struct.Struct(">IHH")
EXT_HOSTNAME, EXT_HUMAN_NODENAME, EXT_FORGOTTEN_NODE, EXT_SHARDID = range(4)
FORGOTTEN = struct.Struct(">40sQ")
assert HEADER.size == 2256 and GOSSIP.size == 104
MIN_LEN = 8  # sig + totlen: enough to know a message's length
NULL_NAME = b"\0" * 40


class BadMessage(Exception):
    pass


@dataclass
class Gossip:
    name: str
    ping_sent: int
    pong_received: int
    ip: str
    port: int
    cport: int
    flags: int
    pport: int = 0


@dataclass
class Message:
    type: int
    sender: str
    port: int = 0
    cport: int = 0
    pport: int = 0
    flags: int = 0
    current_epoch: int = 0
    config_epoch: int = 0
    offset: int = 0
    myslots: bytes = bytes(2048)
    replicaof: str | None = None
    myip: str = ""
    state: int = 0  # 0 ok, 1 fail
    mflags: bytes = b"\0\0\0"
    gossip: list[Gossip] = field(default_factory=list)
    about: str = ""  # FAIL / UPDATE: the node concerned
    update_epoch: int = 0
    update_slots: bytes = b""
    channel: bytes = b""  # PUBLISH / PUBLISHSHARD
    message: bytes = b""
    # Ping extensions (PING / PONG / MEET)
    hostname: str | None = None
    human_nodename: str | None = None
    forgotten: list[tuple[str, int]] = field(default_factory=list)  # (name, ttl seconds)
    shard_id: str | None = None
    unknown_ext: list[tuple[int, bytes]] = field(default_factory=list)


def _name(raw: bytes) -> str:
    return raw.decode("latin-1")


def _cstr(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("latin-1")


def _ext(etype: int, data: bytes) -> bytes:
    padded = data + b"\0" * (-len(data) % 8)
    return EXT_HEADER.pack(EXT_HEADER.size + len(padded), etype, 0) + padded


def _extensions(m: Message) -> list[bytes]:
    """In Redis's writePingExt order: hostname, human nodename, forgotten nodes, shard id."""
    out = []
    if m.hostname:
        out.append(_ext(EXT_HOSTNAME, m.hostname.encode() + b"\0"))
    if m.human_nodename:
        out.append(_ext(EXT_HUMAN_NODENAME, m.human_nodename.encode() + b"\0"))
    for name, ttl in m.forgotten:
        out.append(_ext(EXT_FORGOTTEN_NODE, FORGOTTEN.pack(name.encode(), ttl)))
    if m.shard_id:
        out.append(_ext(EXT_SHARDID, m.shard_id.encode()))
    return out


def encode(m: Message) -> bytes:
    n_ext = 0
    if m.type in (PING, PONG, MEET):
        parts = [
            GOSSIP.pack(g.name.encode(), g.ping_sent & 0xFFFFFFFF, g.pong_received & 0xFFFFFFFF,
                        g.ip.encode(), g.port, g.cport, g.flags, g.pport, 0)
            for g in m.gossip
        ]
        exts = _extensions(m)
        n_ext = len(exts)
        body = b"".join(parts + exts)
        count = len(m.gossip)
    elif m.type == FAIL:
        body, count = m.about.encode().ljust(40, b"\0"), 0
    elif m.type == UPDATE:
        body, count = UPDATE_DATA.pack(m.update_epoch, m.about.encode(), m.update_slots), 0
    elif m.type in (PUBLISH, PUBLISHSHARD):
        body, count = PUBLISH_LENS.pack(len(m.channel), len(m.message)) + m.channel + m.message, 0
    else:
        body, count = b"", 0
    replicaof = m.replicaof.encode() if m.replicaof else NULL_NAME
    head = HEADER.pack(
        b"RCmb", HEADER.size + len(body), 1, m.port, m.type, count, m.current_epoch,
        m.config_epoch, m.offset, m.sender.encode(), bytes(m.myslots), replicaof,
        m.myip.encode(), n_ext, b"", m.pport, m.cport, m.flags, m.state, m.mflags,
    )
    return head + body


def message_length(buf: bytes | bytearray) -> int:
    """The totlen of the message at the start of ``buf`` (at least MIN_LEN bytes)."""
    if buf[:4] != b"RCmb":
        raise BadMessage("bad signature")
    totlen = int.from_bytes(buf[4:8], "big")
    if totlen < HEADER.size or totlen > 1 << 26:
        raise BadMessage(f"bad length {totlen}")
    return totlen


def _decode_ext(m: Message, buf: bytes, pos: int, totlen: int) -> int:
    if totlen < pos + EXT_HEADER.size:
        raise BadMessage("truncated ping extension")
    length, etype, _unused = EXT_HEADER.unpack_from(buf, pos)
    if length < EXT_HEADER.size or length % 8 or pos + length > totlen:
        raise BadMessage(f"bad ping extension length {length}")
    data = bytes(buf[pos + EXT_HEADER.size:pos + length])
    if etype == EXT_HOSTNAME:
        m.hostname = _cstr(data)
    elif etype == EXT_HUMAN_NODENAME:
        m.human_nodename = _cstr(data)
    elif etype == EXT_FORGOTTEN_NODE:
        if len(data) < FORGOTTEN.size:
            raise BadMessage("truncated forgotten-node extension")
        name, ttl = FORGOTTEN.unpack_from(data)
        m.forgotten.append((_name(name), ttl))
    elif etype == EXT_SHARDID:
        if len(data) < 40:
            raise BadMessage("truncated shard-id extension")
        m.shard_id = _name(data[:40])
    else:
        m.unknown_ext.append((etype, data))
    return pos + length


def decode(buf: bytes) -> Message:
    if len(buf) < HEADER.size:
        raise BadMessage("truncated header")
    (sig, totlen, ver, port, mtype, count, cur, cfg, offset, sender, myslots, replicaof, myip,
     n_ext, _unused, pport, cport, flags, state, mflags) = HEADER.unpack_from(buf)
    if sig != b"RCmb" or totlen != len(buf):
        raise BadMessage("bad signature or length")
    if ver != 1:
        raise BadMessage(f"unsupported version {ver}")
    m = Message(
        type=mtype, sender=_name(sender), port=port, cport=cport, pport=pport, flags=flags,
        current_epoch=cur, config_epoch=cfg, offset=offset, myslots=myslots,
        replicaof=None if replicaof == NULL_NAME else _name(replicaof), myip=_cstr(myip),
        state=state, mflags=mflags,
    )
    pos = HEADER.size
    if mtype in (PING, PONG, MEET):
        if totlen < pos + count * GOSSIP.size:
            raise BadMessage("truncated gossip section")
        for _ in range(count):
            name, ps, pr, ip, gport, gcport, gflags, gpport, _n = GOSSIP.unpack_from(buf, pos)
            m.gossip.append(Gossip(_name(name), ps, pr, _cstr(ip), gport, gcport, gflags, gpport))
            pos += GOSSIP.size
        for _ in range(n_ext):
            pos = _decode_ext(m, buf, pos, totlen)
        if pos != totlen:
            raise BadMessage(f"ping of length {totlen} but expected length {pos}")
    elif mtype == FAIL:
        if totlen < pos + 40:
            raise BadMessage("truncated FAIL")
        m.about = _name(buf[pos:pos + 40])
    elif mtype == UPDATE:
        if totlen < pos + UPDATE_DATA.size:
            raise BadMessage("truncated UPDATE")
        m.update_epoch, about, m.update_slots = UPDATE_DATA.unpack_from(buf, pos)
        m.about = _name(about)
    elif mtype in (PUBLISH, PUBLISHSHARD):
        if totlen < pos + PUBLISH_LENS.size:
            raise BadMessage("truncated PUBLISH")
        clen, mlen = PUBLISH_LENS.unpack_from(buf, pos)
        pos += PUBLISH_LENS.size
        if totlen != pos + clen + mlen:
            raise BadMessage(f"PUBLISH of length {totlen} but expected length {pos + clen + mlen}")
        m.channel = bytes(buf[pos:pos + clen])
        m.message = bytes(buf[pos + clen:totlen])
    return m
