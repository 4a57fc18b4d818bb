"""clusterMsg layout pinned byte by byte (Redis 7.2 cluster.h offsets), round trips,
and malformed input raising BadMessage."""

from __future__ import annotations

import pytest

from vermilion.cluster.bus.messages import (
    FAIL, GOSSIP, HEADER, MEET, PING, PONG, UPDATE, BadMessage, Gossip, Message, decode, encode,
    message_length,
)

NAME_A = "a" * 40
NAME_B = "b" * 40


def test_header_and_gossip_sizes():
    assert HEADER.size == 2256
    assert GOSSIP.size == 104


def test_golden_ping_layout():
    slots = bytearray(2048)
    slots[0] = 0b101  # slots 0 and 2
    slots[2047] = 0x80  # slot 16383
    m = Message(PING, NAME_A, port=7000, cport=17000, pport=0, flags=1, current_epoch=0x0102030405060708,
                config_epoch=9, offset=0x10, myslots=bytes(slots), replicaof=NAME_B, myip="10.0.0.1",
                state=1, gossip=[Gossip("c" * 40, 1, 2, "127.0.0.1", 7001, 17001, 2, 0)])
    b = encode(m)
    assert len(b) == 2256 + 104
    assert b[0:4] == b"RCmb"
    assert b[4:8] == (2360).to_bytes(4, "big")
    assert b[8:10] == b"\x00\x01"  # ver
    assert b[10:12] == (7000).to_bytes(2, "big")
    assert b[12:14] == b"\x00\x00"  # type PING
    assert b[14:16] == b"\x00\x01"  # count
    assert b[16:24] == bytes(range(1, 9))  # currentEpoch
    assert b[24:32] == (9).to_bytes(8, "big")
    assert b[32:40] == (16).to_bytes(8, "big")
    assert b[40:80] == NAME_A.encode()
    assert b[80] == 0b101 and b[80 + 2047] == 0x80
    assert b[2128:2168] == NAME_B.encode()
    assert b[2168:2214] == b"10.0.0.1".ljust(46, b"\0")
    assert b[2214:2216] == b"\x00\x00"  # extensions
    assert b[2216:2246] == bytes(30)
    assert b[2246:2248] == b"\x00\x00"  # pport
    assert b[2248:2250] == (17000).to_bytes(2, "big")
    assert b[2250:2252] == b"\x00\x01"  # flags
    assert b[2252] == 1  # state
    assert b[2253:2256] == b"\0\0\0"
    g = b[2256:]
    assert g[0:40] == b"c" * 40
    assert g[40:44] == (1).to_bytes(4, "big") and g[44:48] == (2).to_bytes(4, "big")
    assert g[48:94] == b"127.0.0.1".ljust(46, b"\0")
    assert g[94:96] == (7001).to_bytes(2, "big") and g[96:98] == (17001).to_bytes(2, "big")
    assert g[98:100] == b"\x00\x02"
    assert decode(b) == m


@pytest.mark.parametrize("mtype", [PING, PONG, MEET])
def test_round_trip_without_gossip(mtype):
    m = Message(mtype, NAME_A, port=1, cport=2)
    assert decode(encode(m)) == m
    assert decode(encode(m)).replicaof is None


def test_fail_and_update_round_trip():
    m = Message(FAIL, NAME_A, about=NAME_B)
    assert decode(encode(m)).about == NAME_B
    u = Message(UPDATE, NAME_A, about=NAME_B, update_epoch=7, update_slots=bytes([1]) + bytes(2047))
    d = decode(encode(u))
    assert (d.about, d.update_epoch, d.update_slots[0]) == (NAME_B, 7, 1)


def test_malformed_messages_raise():
    good = encode(Message(PING, NAME_A, gossip=[Gossip(NAME_B, 0, 0, "1.2.3.4", 1, 2, 1)]))
    for n in (0, 10, 2255, len(good) - 1):
        with pytest.raises(BadMessage):
            decode(good[:n])
    with pytest.raises(BadMessage):
        decode(b"XXXX" + good[4:])
    with pytest.raises(BadMessage):
        decode(good[:8] + b"\x00\x02" + good[10:])  # version 2
    lying = bytearray(good)
    lying[14:16] = (5).to_bytes(2, "big")  # count says 5 gossip entries, 1 present
    with pytest.raises(BadMessage):
        decode(bytes(lying))
    with pytest.raises(BadMessage):
        message_length(b"RCmb\x00\x00\x00\x10")  # shorter than a header
    with pytest.raises(BadMessage):
        message_length(b"HTTP/1.1")


def test_golden_publish_layout():
    from vermilion.cluster.bus.messages import PUBLISH, PUBLISHSHARD

    for mtype in (PUBLISH, PUBLISHSHARD):
        m = Message(mtype, NAME_A, port=7000, cport=17000, channel=b"news", message=b"hello!")
        b = encode(m)
        assert len(b) == 2256 + 8 + 4 + 6  # clusterMsgDataPublish's 8-byte placeholder not counted
        assert b[4:8] == (2274).to_bytes(4, "big")
        assert b[12:14] == mtype.to_bytes(2, "big") and b[14:16] == b"\x00\x00"  # count 0
        assert b[2256:2260] == (4).to_bytes(4, "big")  # channel_len
        assert b[2260:2264] == (6).to_bytes(4, "big")  # message_len
        assert b[2264:] == b"newshello!"
        d = decode(b)
        assert (d.type, d.channel, d.message) == (mtype, b"news", b"hello!")
    empty = decode(encode(Message(PUBLISH, NAME_A)))
    assert (empty.channel, empty.message) == (b"", b"")


def test_publish_lengths_must_add_up():
    from vermilion.cluster.bus.messages import PUBLISH

    good = encode(Message(PUBLISH, NAME_A, channel=b"ch", message=b"msg"))
    longer = bytearray(good)
    longer[2256:2260] = (3).to_bytes(4, "big")  # channel_len one too many
    with pytest.raises(BadMessage):
        decode(bytes(longer))
    shorter = bytearray(good + b"x")
    shorter[4:8] = len(shorter).to_bytes(4, "big")  # totlen covers a trailing byte
    with pytest.raises(BadMessage):
        decode(bytes(shorter))
    with pytest.raises(BadMessage):
        decode(good[:2256] .replace(good[4:8], (2256).to_bytes(4, "big"), 1))  # no lengths at all


def test_mfstart_and_mflags():
    from vermilion.cluster.bus.messages import MF_FORCEACK, MF_PAUSED, MFSTART

    assert (MF_PAUSED, MF_FORCEACK) == (1, 2)
    b = encode(Message(MFSTART, NAME_A, replicaof=NAME_B, mflags=bytes((MF_PAUSED, 0, 0))))
    assert len(b) == 2256 and b[12:14] == (8).to_bytes(2, "big")
    assert b[2253:2256] == b"\x01\x00\x00"
    d = decode(b)
    assert d.type == MFSTART and d.mflags[0] == MF_PAUSED and d.replicaof == NAME_B


def test_golden_ping_extensions():
    from vermilion.cluster.bus.messages import MF_EXT_DATA

    m = Message(PONG, NAME_A, mflags=bytes((MF_EXT_DATA, 0, 0)), hostname="h.example", human_nodename="n1",
                forgotten=[(NAME_B, 59)], shard_id="d" * 40,
                gossip=[Gossip("c" * 40, 0, 0, "127.0.0.1", 7001, 17001, 1)])
    b = encode(m)
    assert b[2214:2216] == (4).to_bytes(2, "big")  # extensions count in the header
    assert b[2253] == 4  # CLUSTERMSG_FLAG0_EXT_DATA
    ext = b[2256 + 104:]
    # hostname: 8-byte header, "h.example\0" padded to 16
    assert ext[0:8] == (24).to_bytes(4, "big") + (0).to_bytes(2, "big") + b"\0\0"
    assert ext[8:24] == b"h.example\0" + b"\0" * 6
    # human nodename: "n1\0" padded to 8
    assert ext[24:32] == (16).to_bytes(4, "big") + (1).to_bytes(2, "big") + b"\0\0"
    assert ext[32:40] == b"n1\0" + b"\0" * 5
    # forgotten node: name[40] + ttl u64
    assert ext[40:48] == (56).to_bytes(4, "big") + (2).to_bytes(2, "big") + b"\0\0"
    assert ext[48:88] == NAME_B.encode() and ext[88:96] == (59).to_bytes(8, "big")
    # shard id
    assert ext[96:104] == (48).to_bytes(4, "big") + (3).to_bytes(2, "big") + b"\0\0"
    assert ext[104:144] == b"d" * 40 and len(ext) == 144
    assert b[4:8] == len(b).to_bytes(4, "big")
    assert decode(b) == m


def test_bad_extensions_raise_and_unknown_ones_are_kept():
    m = Message(PING, NAME_A, shard_id="d" * 40)
    good = encode(m)
    unpadded = bytearray(good)
    unpadded[2256:2260] = (47).to_bytes(4, "big")
    with pytest.raises(BadMessage):
        decode(bytes(unpadded))
    too_long = bytearray(good)
    too_long[2256:2260] = (56).to_bytes(4, "big")
    with pytest.raises(BadMessage):
        decode(bytes(too_long))
    extra = bytearray(good + bytes(8))  # totlen covers bytes no extension accounts for
    extra[4:8] = len(extra).to_bytes(4, "big")
    with pytest.raises(BadMessage):
        decode(bytes(extra))
    odd = bytearray(good)
    odd[2260:2262] = (9).to_bytes(2, "big")  # a type from the future
    d = decode(bytes(odd))
    assert d.shard_id is None and d.unknown_ext == [(9, b"d" * 40)]
