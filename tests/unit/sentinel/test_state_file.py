"""sentinel.conf parsing and rewrite (state_file.py)."""

import pytest

from vermilion.sentinel import state_file

CONF = """# my sentinel
port 26999
sentinel monitor mymaster 127.0.0.1 6379 2
sentinel down-after-milliseconds mymaster 1000
sentinel auth-pass mymaster "pa ss"
sentinel announce-ip 10.0.0.1
sentinel deny-scripts-reconfig no
sentinel rename-command mymaster CONFIG GUESSME
sentinel known-replica mymaster 127.0.0.1 6380
sentinel known-sentinel mymaster 127.0.0.1 26380 0123456789012345678901234567890123456789
sentinel current-epoch 7
"""


def test_round_trip(tmp_path):
    path = tmp_path / "s.conf"
    path.write_text(CONF)
    cfg = state_file.parse(str(path))
    p = cfg.primaries["mymaster"]
    assert (p.quorum, p.down_after_ms(), p.auth_pass, p.renamed) == (2, 1000, "pa ss", {"config": "GUESSME"})
    assert list(p.replicas) == ["127.0.0.1:6380"] and len(cfg.myid) == 40
    assert cfg.current_epoch == 7 and cfg.announce_ip == "10.0.0.1" and not cfg.deny_scripts_reconfig
    state_file.flush(cfg, 8)
    text = path.read_text()
    assert text.startswith("# my sentinel\nport 26999\n")
    again = state_file.parse(str(path))
    assert again.myid == cfg.myid and again.current_epoch == 8
    q = again.primaries["mymaster"]
    assert (q.auth_pass, q.renamed, list(q.replicas)) == ("pa ss", {"config": "GUESSME"}, ["127.0.0.1:6380"])
    assert [s.run_id for s in q.sentinels.values()] == ["0123456789012345678901234567890123456789"]
    assert again.announce_ip == "10.0.0.1" and not again.deny_scripts_reconfig
    assert state_file.render(again, 8) == text


@pytest.mark.parametrize("line,error", [
    ("sentinel monitor m 127.0.0.1 6379 0", "Quorum must be 1 or greater."),
    ("sentinel down-after-milliseconds nope 10", "No such master with specified name."),
    ("sentinel myid abc", "Malformed Sentinel id in myid option."),
    ("sentinel bogus", "Unrecognized sentinel configuration statement."),
    ("sentinel resolve-hostnames maybe", "argument must be 'yes' or 'no'"),
])
def test_errors(tmp_path, line, error):
    path = tmp_path / "s.conf"
    path.write_text(line + "\n")
    with pytest.raises(state_file.ConfigError, match=f"^{error}$"):
        state_file.parse(str(path))
