"""The replica handshake state machine, driven with scripted primary replies."""

import pytest

from vermilion.replication.machine import Handshake, S, command, role_state


def drive(hs, replies):
    sent = list(hs.connected())
    for line in replies:
        assert hs.wants_line()
        sent += hs.reply(line)
    return sent


def test_full_resync_without_auth():
    hs = Handshake(6380)
    sent = drive(hs, [b"+PONG"])
    assert sent == [command(b"PING"), command(b"REPLCONF", b"listening-port", b"6380"),
                    command(b"REPLCONF", b"capa", b"eof", b"capa", b"psync2")]
    assert hs.state is S.RECEIVE_PORT_REPLY
    assert hs.reply(b"+OK") == [] and hs.state is S.RECEIVE_CAPA_REPLY
    assert hs.reply(b"+OK") == [command(b"PSYNC", b"?", b"-1")]
    assert hs.state is S.RECEIVE_PSYNC_REPLY
    assert hs.reply(b"") == []  # keep-alive newline
    hs.reply(b"+FULLRESYNC " + b"a" * 40 + b" 1234")
    assert (hs.result, hs.master_replid, hs.master_offset, hs.state) == ("full", "a" * 40, 1234, S.TRANSFER)
    assert not hs.wants_line()


def test_auth_user_announce_ip_and_cached_psync():
    hs = Handshake(7000, masterauth=b"pw", masteruser=b"bob", announce_ip=b"10.0.0.9", cached=("b" * 40, 99))
    sent = drive(hs, [b"-NOAUTH Authentication required."])
    assert sent[1:] == [command(b"AUTH", b"bob", b"pw"), command(b"REPLCONF", b"listening-port", b"7000"),
                        command(b"REPLCONF", b"ip-address", b"10.0.0.9"),
                        command(b"REPLCONF", b"capa", b"eof", b"capa", b"psync2")]
    assert hs.state is S.RECEIVE_AUTH_REPLY
    hs.reply(b"+OK")
    assert hs.state is S.RECEIVE_PORT_REPLY
    hs.reply(b"-ERR unknown")  # non critical
    assert hs.state is S.RECEIVE_IP_REPLY and hs.notes
    hs.reply(b"+OK")
    assert hs.reply(b"+OK") == [command(b"PSYNC", b"b" * 40, b"100")]
    hs.reply(b"+CONTINUE " + b"c" * 40)
    assert (hs.result, hs.master_replid, hs.state) == ("continue", "c" * 40, S.CONNECTED)


def test_continue_without_id_keeps_the_cached_one():
    hs = Handshake(1, cached=("d" * 40, 5))
    drive(hs, [b"+PONG", b"+OK", b"+OK", b"+CONTINUE"])
    assert hs.master_replid == "d" * 40 and hs.result == "continue"


@pytest.mark.parametrize("replies,message", [
    ([b"-ERR nope"], "Error reply to PING from master: '-ERR nope'"),
    ([b"+PONG", b"-WRONGPASS invalid"], None),
    ([b"+PONG", b"+OK", b"+OK", b"-ERR what"], "Unexpected reply to PSYNC from master: -ERR what"),
    ([b"+PONG", b"+OK", b"+OK", b"+FULLRESYNC short 1"], "Master replied with wrong +FULLRESYNC syntax."),
])
def test_errors_abort_the_handshake(replies, message):
    hs = Handshake(1, masterauth=b"x" if b"-WRONGPASS invalid" in replies else None)
    drive(hs, replies)
    assert hs.result == "error" and hs.state is S.CONNECT
    if message:
        assert hs.error == message
    else:
        assert hs.error.startswith("Unable to AUTH to MASTER")


def test_busy_primary_means_retry():
    hs = Handshake(1)
    drive(hs, [b"+PONG", b"+OK", b"+OK", b"-NOMASTERLINK Can't SYNC while not connected with my master"])
    assert hs.result == "retry" and hs.state is S.CONNECT


def test_role_state_names():
    assert [role_state(s) for s in (S.NONE, S.CONNECT, S.CONNECTING, S.RECEIVE_PING_REPLY, S.SEND_PSYNC,
                                    S.TRANSFER, S.CONNECTED)] == [
        "none", "connect", "connecting", "handshake", "handshake", "sync", "connected"]
