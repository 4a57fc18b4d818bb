"""``vermilion-sentinel <sentinel.conf> [--directive value ...]``: the Sentinel process.

The config file is required and must be writable, as Redis requires; the state is
rewritten to it (``sentinel myid`` on first start, discovered replicas and sentinels).
"""

from __future__ import annotations

import asyncio
import os
import sys

from ..protocol.encoder import encode
from ..protocol.errors import CommandError
from ..protocol.resp_parser import RequestParser
from . import commands, failover, leader, state_file
from .instance import Instance, now_ms
from .monitor import Monitor


def encode_push(channel: str, text: str) -> bytes:
    c, t = channel.encode(), text.encode()
    return b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(c), c, len(t), t)


class Sentinel:
    def __init__(self, cfg):
        self.cfg = cfg
        self.primaries = cfg.primaries
        self.monitor = Monitor(self)
        self.votes = leader.Votes()
        self.votes.current_epoch = cfg.current_epoch
        self.subscribers: dict[bytes, set] = {}

    @property
    def current_epoch(self) -> int:
        return self.votes.current_epoch

    @current_epoch.setter
    def current_epoch(self, value: int) -> None:
        self.votes.current_epoch = value

    def announce_ip(self) -> str:
        return self.cfg.announce_ip or "127.0.0.1"

    def announce_port(self) -> int:
        return self.cfg.announce_port or self.cfg.port

    def event(self, kind: str, inst, extra: str = "") -> None:
        if inst.role == "master":
            text = f"master {inst.name} {inst.ip} {inst.port}"
        else:
            p = inst.primary
            text = f"{inst.role} {inst.name} {inst.ip} {inst.port} @ {p.name} {p.ip} {p.port}"
        print(f"{os.getpid()}:X {kind} {text}{extra}", flush=True)
        self.publish(kind, text + extra)
        if kind in ("+slave", "+sentinel"):
            self.flush_config()

    # -- hello messages ------------------------------------------------------------

    def process_hello(self, text: str) -> None:
        """``sentinelProcessHelloMessage``: learn sentinels, epochs and primary moves."""
        parts = text.split(",")
        if len(parts) != 8:
            return
        ip, port, runid, epoch, name, m_ip, m_port, m_epoch = parts
        if runid == self.cfg.myid:
            return
        p = self.primaries.get(name)
        if p is None:
            return
        try:
            port_n, epoch_n, m_port_n, m_epoch_n = int(port), int(epoch), int(m_port), int(m_epoch)
        except ValueError:
            return
        changed = False
        known = p.sentinels.get(runid)
        if known is None:
            for rid, other in list(p.sentinels.items()):
                if (other.ip, other.port) == (ip, port_n):
                    del p.sentinels[rid]
            known = Instance("sentinel", f"{ip}:{port}", ip, port_n, p)
            known.run_id = runid
            p.sentinels[runid] = known
            self.event("+sentinel", known)
            changed = True
        known.last_hello_ms = now_ms()
        if epoch_n > self.current_epoch:
            self.current_epoch = epoch_n
            self.log(f"+new-epoch {epoch_n}")
            changed = True
        if p.config_epoch < m_epoch_n and (p.ip, p.port) != (m_ip, m_port_n):
            self.switch_primary(p, m_ip, m_port_n, m_epoch_n)
            changed = True
        if changed:
            self.flush_config()

    def reset_primary(self, p) -> None:
        """SENTINEL RESET: forget replicas and sentinels, drop a running failover."""
        self.monitor.forget(p)
        p.reset_to(p.ip, p.port)
        p.replicas = {}
        p.sentinels = {}
        self.event("+reset-master", p)

    def switch_primary(self, p, ip: str, port: int, config_epoch: int) -> None:
        self.log(f"+switch-master {p.name} {p.ip} {p.port} {ip} {port}")
        self.publish("+switch-master", f"{p.name} {p.ip} {p.port} {ip} {port}")
        self.monitor.forget(p)
        p.reset_to(ip, port)
        p.config_epoch = config_epoch
        p.failover_start_ms = now_ms()
        self.flush_config()

    # -- odown, votes and failover ----------------------------------------------

    async def ask_others(self, p, runid: str) -> None:
        """SENTINEL IS-MASTER-DOWN-BY-ADDR to every known sentinel (once a second)."""
        t = now_ms()
        if t - p.ask_tick_ms < 1000 and runid == "*":
            return
        p.ask_tick_ms = t

        async def ask(s):
            try:
                r = await self.monitor.link(s).call(
                    b"SENTINEL", b"is-master-down-by-addr", p.ip, str(p.port),
                    str(self.current_epoch), runid)
            except (OSError, asyncio.TimeoutError, ConnectionError):
                return
            if isinstance(r, list) and len(r) == 3 and isinstance(r[0], int):
                if r[0] == 1:
                    s.flags.add("master_down")
                else:
                    s.flags.discard("master_down")
                if r[1] not in (b"*", None):
                    s.leader = r[1].decode()
                    s.leader_epoch = int(r[2])

        await asyncio.gather(*(ask(s) for s in list(p.sentinels.values())))

    async def failover_step(self, p) -> None:
        p.step_running = True
        try:
            await self._failover_step(p)
        finally:
            p.step_running = False

    async def _failover_step(self, p) -> None:
        t = now_ms()
        if "s_down" in p.flags and p.failover is None:
            await self.ask_others(p, "*")
        elif "s_down" not in p.flags:
            for s in p.sentinels.values():
                s.flags.discard("master_down")
        votes = 1 + sum(1 for s in p.sentinels.values() if "master_down" in s.flags)
        if "s_down" in p.flags and votes >= p.quorum:
            if "o_down" not in p.flags:
                p.flags.add("o_down")
                self.event("+odown", p, f" #quorum {votes}/{p.quorum}")
        elif "o_down" in p.flags:
            p.flags.discard("o_down")
            self.event("-odown", p)
        if (p.failover is None and "o_down" in p.flags
                and t - p.failover_start_ms > 2 * p.failover_timeout_ms):
            self.current_epoch += 1
            p.failover = failover.Failover(self.current_epoch, t)
            p.failover_start_ms = t
            p.flags.add("failover_in_progress")
            self.log(f"+new-epoch {self.current_epoch}")
            self.event("+try-failover", p)
            self.votes.vote(p, self.current_epoch, self.cfg.myid)
        if p.failover is not None:
            await self.run_failover(p, t)

    def abort_failover(self, p, why: str) -> None:
        self.event(why, p)
        p.failover = None
        p.flags.discard("failover_in_progress")

    async def run_failover(self, p, t: int) -> None:
        f = p.failover
        if f.state == failover.WAIT_START:
            await self.ask_others(p, self.cfg.myid)
            ballots = {s.run_id: s.leader for s in p.sentinels.values() if s.leader_epoch == f.epoch}
            ballots[self.cfg.myid] = p.leader if p.leader_epoch == f.epoch else ""
            winner = leader.winner(ballots, len(p.sentinels) + 1, p.quorum)
            if winner == self.cfg.myid:
                self.event("+elected-leader", p)
                f.set_state(failover.SELECT_SLAVE, t)
            elif t - f.start_ms > min(10000, p.failover_timeout_ms):
                self.abort_failover(p, "-failover-abort-not-elected")
            return
        if f.state == failover.SELECT_SLAVE:
            validity = 5000 if "s_down" in p.flags else 30000
            r = failover.select_replica(list(p.replicas.values()), t, validity)
            if r is None:
                # Replica INFO may predate the primary's failure by up to one INFO
                # period: give the 1 s refresh two periods before giving up.
                if t - f.state_change_ms < 2000:
                    return
                self.abort_failover(p, "-failover-abort-no-good-slave")
                return
            f.promoted = r
            r.flags.add("promoted")
            self.event("+selected-slave", r)
            f.set_state(failover.SEND_SLAVEOF_NOONE, t)
        if f.state == failover.SEND_SLAVEOF_NOONE:
            if await self.send_replicaof(f.promoted, b"NO", b"ONE"):
                self.event("+failover-state-wait-promotion", f.promoted)
                f.set_state(failover.WAIT_PROMOTION, t)
            elif t - f.state_change_ms > p.failover_timeout_ms:
                self.abort_failover(p, "-failover-abort-slave-timeout")
            return
        if f.state == failover.WAIT_PROMOTION:
            if f.promoted.role_reported == "master" and f.promoted.info_refresh_ms > f.state_change_ms:
                self.event("+promoted-slave", f.promoted)
                self.event("+failover-state-reconf-slaves", p)
                f.set_state(failover.RECONF_SLAVES, t)
            elif t - f.state_change_ms > p.failover_timeout_ms:
                self.abort_failover(p, "-failover-abort-slave-timeout")
            return
        if f.state == failover.RECONF_SLAVES:
            new = f.promoted
            for r in list(p.replicas.values()):
                if r is new:
                    continue
                if await self.send_replicaof(r, new.ip.encode(), str(new.port).encode()):
                    self.event("+slave-reconf-sent", r)
            f.set_state(failover.UPDATE_CONFIG, t)
        if f.state == failover.UPDATE_CONFIG:
            self.event("+failover-end", p)
            self.switch_primary(p, f.promoted.ip, f.promoted.port, f.epoch)

    async def send_replicaof(self, inst, host: bytes, port: bytes) -> bool:
        """``sentinelSendSlaveOf``: the change inside MULTI/EXEC with CONFIG REWRITE and
        CLIENT KILL TYPE normal, as Redis sends it."""
        lk = self.monitor.link(inst)
        try:
            for cmd in ((b"MULTI",), (b"SLAVEOF", host, port), (b"CONFIG", b"REWRITE"),
                        (b"CLIENT", b"KILL", b"TYPE", b"normal"), (b"EXEC",)):
                reply = await lk.call(*cmd)
                if cmd[0] == b"MULTI" and isinstance(reply, Exception):
                    return False
        except (OSError, asyncio.TimeoutError, ConnectionError):
            return True  # CLIENT KILL may close our own link only after EXEC ran
        return True

    def log(self, text: str) -> None:
        print(f"{os.getpid()}:X {text}", flush=True)

    def publish(self, channel: str, text: str) -> None:
        """Events go to subscribers of their channel on this sentinel."""
        msg = encode_push(channel, text)
        for w in list(self.subscribers.get(channel.encode(), ())):
            try:
                w.write(msg)
            except Exception:
                pass

    def flush_config(self) -> None:
        state_file.flush(self.cfg, self.current_epoch)

    def info_text(self) -> str:
        lines = ["# Sentinel", f"sentinel_masters:{len(self.primaries)}",
                 "sentinel_tilt:0", "sentinel_tilt_since_seconds:-1",
                 "sentinel_running_scripts:0", "sentinel_scripts_queue_length:0",
                 "sentinel_simulate_failure_flags:0"]
        for i, p in enumerate(self.primaries.values()):
            status = "odown" if "o_down" in p.flags else "sdown" if "s_down" in p.flags else "ok"
            lines.append(f"master{i}:name={p.name},status={status},address={p.ip}:{p.port},"
                         f"slaves={len(p.replicas)},sentinels={len(p.sentinels) + 1}")
        return "\r\n".join(lines) + "\r\n"

    async def handle(self, reader, writer):
        parser = RequestParser()
        resp = 2
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                parser.feed(data)
                out = []
                while (argv := parser.next()) is not None:
                    if argv[0].lower() == b"hello" and len(argv) > 1 and argv[1] in (b"2", b"3"):
                        resp = int(argv[1])
                        reply = {b"server": b"redis", b"version": b"7.2.4", b"proto": resp,
                                 b"mode": b"sentinel", b"role": b"master", b"modules": []}
                        if resp == 2:
                            reply = [x for kv in reply.items() for x in kv]
                    else:
                        try:
                            reply = commands.dispatch(self, resp, argv)
                        except CommandError as e:
                            out.append(b"-" + e.args[0] + b"\r\n")
                            continue
                    out.append(encode(reply, resp))
                writer.write(b"".join(out))
                await writer.drain()
        except (ConnectionError, Exception):
            pass
        finally:
            writer.close()

    async def serve(self):
        server = await asyncio.start_server(self.handle, self.cfg.bind, self.cfg.port)
        self.flush_config()
        print(f"{os.getpid()}:X Sentinel ID is {self.cfg.myid}", flush=True)
        for p in self.primaries.values():
            print(f"{os.getpid()}:X +monitor master {p.name} {p.ip} {p.port} quorum {p.quorum}", flush=True)
        async with server:
            await self.monitor.run()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    argv = [a for a in argv if a != "--sentinel"]
    if not argv or argv[0].startswith("-"):
        sys.stderr.write("Sentinel needs config file on disk to save state.  Exiting...\n")
        return 1
    path = os.path.abspath(argv[0])
    if not os.access(path, os.W_OK):
        sys.stderr.write(f"Sentinel config file {path} is not writable: {os.strerror(13)}. Exiting...\n")
        return 1
    extra = []
    rest = argv[1:]
    i = 0
    while i < len(rest):
        if rest[i].startswith("--"):
            words = [rest[i][2:]]
            i += 1
            while i < len(rest) and not rest[i].startswith("--"):
                words.append(rest[i])
                i += 1
            extra.append(" ".join(words))
        else:
            i += 1
    try:
        cfg = state_file.parse(path, extra)
    except (state_file.ConfigError, ValueError, IndexError) as e:
        sys.stderr.write(f"\n*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***\n>>> {e}\n")
        return 1
    try:
        asyncio.run(Sentinel(cfg).serve())
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
