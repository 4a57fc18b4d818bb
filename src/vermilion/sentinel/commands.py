"""Sentinel mode's command table: PING, INFO, ROLE, SENTINEL <subcommand> (the subset
of this milestone), with RESP2 arrays / RESP3 maps for the instance field lists."""

from __future__ import annotations

from ..protocol.errors import CommandError
from ..protocol.reply import Simple


def _fields(inst, resp: int):
    pairs = inst.fields()
    if resp == 3:
        return {k.encode(): v.encode() for k, v in pairs}
    out = []
    for k, v in pairs:
        out += [k.encode(), v.encode()]
    return out


def _primary(s, name: bytes):
    p = s.primaries.get(name.decode(errors="replace"))
    if p is None:
        raise CommandError(b"ERR No such master with that name")
    return p


# Subcommand -> arity as Redis declares it (negative: at least).
ARITY = {b"masters": 2, b"master": 3, b"replicas": 3, b"slaves": 3, b"sentinels": 3,
         b"get-master-addr-by-name": 3, b"is-master-down-by-addr": 6, b"myid": 2,
         b"flushconfig": 2, b"ckquorum": 3, b"reset": 3}


def cmd_sentinel(s, resp: int, argv: list[bytes]):
    if len(argv) < 2:
        raise CommandError(b"ERR wrong number of arguments for 'sentinel' command")
    sub = argv[1].lower()
    n = len(argv)
    arity = ARITY.get(sub)
    if arity is None:
        raise CommandError(b"ERR unknown subcommand '%s'. Try SENTINEL HELP." % argv[1][:128])
    if (arity > 0 and n != arity) or n < -arity:
        raise CommandError(b"ERR wrong number of arguments for 'sentinel|%s' command" % sub)
    if sub == b"ckquorum":
        p = _primary(s, argv[2])
        usable = 1 + sum(1 for x in p.sentinels.values() if "s_down" not in x.flags and x.link_up)
        voters = len(p.sentinels) + 1
        problems = []
        if usable < p.quorum:
            problems.append(b"Not enough available Sentinels to reach the specified quorum for this master")
        if usable < voters // 2 + 1:
            problems.append(b"Not enough available Sentinels to reach the majority and authorize a failover")
        if problems:
            raise CommandError(b"NOQUORUM %d usable Sentinels. " % usable + b". ".join(problems))
        return Simple(b"OK %d usable Sentinels. Quorum and failover authorization can be reached" % usable)
    if sub == b"reset":
        import fnmatch

        pat = argv[2].decode(errors="replace")
        hit = [p for p in s.primaries.values() if fnmatch.fnmatchcase(p.name, pat)]
        for p in hit:
            s.reset_primary(p)
        if hit:
            s.flush_config()
        return len(hit)
    if sub == b"masters" and n == 2:
        return [_fields(p, resp) for p in s.primaries.values()]
    if sub == b"master" and n == 3:
        return _fields(_primary(s, argv[2]), resp)
    if sub in (b"replicas", b"slaves") and n == 3:
        return [_fields(r, resp) for r in _primary(s, argv[2]).replicas.values()]
    if sub == b"sentinels" and n == 3:
        return [_fields(x, resp) for x in _primary(s, argv[2]).sentinels.values()]
    if sub == b"get-master-addr-by-name" and n == 3:
        p = s.primaries.get(argv[2].decode(errors="replace"))
        if p is None:
            return None
        return [p.ip.encode(), str(p.port).encode()]
    if sub == b"is-master-down-by-addr" and n == 6:
        try:
            port, req_epoch = int(argv[3]), int(argv[4])
        except ValueError:
            raise CommandError(b"ERR value is not an integer or out of range")
        ip = argv[2].decode(errors="replace")
        p = next((m for m in s.primaries.values() if (m.ip, m.port) == (ip, port)), None)
        down = 1 if p is not None and "s_down" in p.flags else 0
        leader, leader_epoch = "*", 0
        if p is not None and argv[5] != b"*":
            leader, leader_epoch = s.votes.vote(p, req_epoch, argv[5].decode(errors="replace"))
            s.flush_config()
        return [down, (leader or "*").encode(), leader_epoch]
    if sub == b"myid" and n == 2:
        return s.cfg.myid.encode()
    if sub == b"flushconfig" and n == 2:
        s.flush_config()
        return Simple(b"OK")
    raise CommandError(b"ERR Unknown sentinel subcommand '%s'" % argv[1])


def dispatch(s, resp: int, argv: list[bytes]):
    name = argv[0].lower()
    if name == b"ping":
        return Simple(b"PONG") if len(argv) == 1 else argv[1]
    if name == b"sentinel":
        return cmd_sentinel(s, resp, argv)
    if name == b"info":
        return s.info_text().encode()
    if name == b"role":
        return [b"sentinel", [p.name.encode() for p in s.primaries.values()]]
    raise CommandError(b"ERR unknown command '%s', with args beginning with: " % argv[0][:128]
                       + b"".join(b"'%s' " % a for a in argv[1:]))
