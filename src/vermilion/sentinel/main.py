"""``vermilion-sentinel <sentinel.conf> [--directive value ...]``: the Sentinel process.

As redis-sentinel, Sentinel is the ordinary server (engine, listener, clients, pub/sub,
ACL) with a reduced command table (mode.py) and a ``Sentinel`` object attached as
``server.extensions["sentinel"]``; its timer is a server cron job (Redis calls
``sentinelTimer`` from ``serverCron``).  Events are logged and published to the
server's own pub/sub on a channel named after the event (``+switch-master``, ...), so
clients watch them with SUBSCRIBE/PSUBSCRIBE.

The config file is required and must be writable, as Redis requires; the state is
rewritten to it (state_file.py) after every change.

The failover follows sentinel.c's states: WAIT_START (leader election) ->
SELECT_SLAVE -> SEND_SLAVEOF_NOONE -> WAIT_PROMOTION (the replica's INFO says
``role:master``: config epoch = failover epoch, hello messages forced) -> RECONF_SLAVES
(at most ``parallel-syncs`` replicas in SENT/INPROG at once; INFO moves them to
INPROG when they point at the new primary and DONE when their link is up; a replica
not done in ``slave-reconf-timeout`` is counted done; after ``failover-timeout`` every
remaining replica is sent SLAVEOF at once) -> UPDATE_CONFIG (+switch-master).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import sys

from ..pubsub.channels import publish as ps_publish
from . import failover, leader, settings, state_file
from .instance import Instance, now_ms
from .monitor import Monitor
from .scripts import Scripts

MAX_DESYNC_MS = 1000  # SENTINEL_MAX_DESYNC
_LEADING_INT = re.compile(r"\s*([+-]?\d+)")


def _c_atoi(text: str) -> int:
    m = _LEADING_INT.match(text)
    return int(m.group(1)) if m else 0


class Sentinel:
    def __init__(self, server, cfg):
        self.server = server
        self.cfg = cfg
        self.primaries = cfg.primaries
        self.timing = dict(settings.DEFAULT_TIMING)
        self.monitor = Monitor(self)
        self.votes = leader.Votes()
        self.votes.current_epoch = cfg.current_epoch
        self.tilt = False
        self.tilt_start_ms = 0
        self.simfailure_flags = 0
        self.scripts = Scripts(self)

    @property
    def current_epoch(self) -> int:
        return self.votes.current_epoch

    @current_epoch.setter
    def current_epoch(self, value: int) -> None:
        self.votes.current_epoch = value

    def announce_port(self) -> int:
        return self.cfg.announce_port or self.server.config["port"]

    def timer(self, server) -> None:
        """The cron job: ``sentinelTimer``."""
        self.monitor.tick()
        self.scripts.tick()

    # -- events and logging -----------------------------------------------------------

    def log(self, level: str, text: str) -> None:
        self.server.log(level, text)

    def event(self, kind: str, inst, extra: str = "", level: str = "warning") -> None:
        """``sentinelEvent`` with ``%@``: ``<type> <name> <ip> <port>`` (and ``@ <primary
        name> <ip> <port>`` for a replica or sentinel), then ``extra``."""
        if inst.role == "master":
            text = f"master {inst.name} {inst.ip} {inst.port}"
        else:
            p = inst.primary
            text = f"{inst.role} {inst.name} {inst.ip} {inst.port} @ {p.name} {p.ip} {p.port}"
        self.event_text(kind, text + extra, level, inst if inst.role == "master" else inst.primary)
        if kind in ("+slave", "+sentinel"):
            self.flush_config()

    def event_text(self, kind: str, text: str, level: str = "warning", primary=None) -> None:
        """Log, publish on the channel named ``kind``, and run the primary's
        notification-script for warning-level events."""
        self.log(level, f"{kind} {text}")
        ps_publish(self.server, kind.encode(), text.encode())
        if level == "warning" and primary is not None and primary.notification_script:
            self.scripts.schedule(primary.notification_script, kind, text)

    def reconfig_script(self, p, role: str, from_addr: tuple, to_addr: tuple) -> None:
        """``sentinelCallClientReconfScript``: <name> <role> start <from> <to>."""
        if p.client_reconfig_script:
            self.scripts.schedule(p.client_reconfig_script, p.name, role, "start",
                                  from_addr[0], str(from_addr[1]), to_addr[0], str(to_addr[1]))

    # -- primaries ------------------------------------------------------------------

    def add_primary(self, name: str, ip: str, port: int, quorum: int):
        from .instance import Primary

        p = Primary(name, ip, port, quorum)
        p._down_after_ms = self.timing["default-down-after"]
        p.failover_timeout_ms = self.timing["default-failover-timeout"]
        self.primaries[name] = p
        return p

    def remove_primary(self, p) -> None:
        self.monitor.forget(p, sentinels=True)
        del self.primaries[p.name]

    def info_validity_ms(self, p) -> int:
        """Replica INFO older than this is stale (``sentinelSelectSlave``)."""
        if "s_down" in p.flags:
            return 5 * self.timing["ping-period"]
        return 3 * self.timing["info-period"]

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
        # C's atoi/strtoull, as sentinel.c reads the numbers: leading digits, else 0.
        port_n, epoch_n, m_port_n, m_epoch_n = (_c_atoi(x) for x in (port, epoch, m_port, m_epoch))
        changed = False
        known = p.sentinels.get(runid)
        if known is None or (known.ip, known.port) != (ip, port_n):
            # As Redis 7: the same run id at a new address replaces the old entry
            # (+sentinel-address-switch); another sentinel still listed at this address
            # gets an invalid address (port 0).
            removed = p.sentinels.pop(runid, None) is not None
            if removed:
                self.event("+sentinel-address-switch", p, f" ip {ip} port {port_n} for {runid}", level="notice")
            else:
                for other in p.sentinels.values():
                    if (other.ip, other.port) == (ip, port_n):
                        self.event("+sentinel-invalid-addr", other, level="notice")
                        other.port = 0
            if removed:
                self.monitor.forget_link(known)
            known = Instance("sentinel", runid, ip, port_n, p)
            known.run_id = runid
            p.sentinels[runid] = known
            if not removed:
                self.event("+sentinel", known, level="notice")
            changed = True
        known.last_hello_ms = now_ms()
        if epoch_n > self.current_epoch:
            self.current_epoch = epoch_n
            self.event_text("+new-epoch", str(epoch_n), primary=p)
            changed = True
        if p.config_epoch < m_epoch_n:
            p.config_epoch = m_epoch_n
            changed = True
            if (p.ip, p.port) != (m_ip, m_port_n):
                self.event("+config-update-from", known)
                old = (p.ip, p.port)
                self.switch_primary(p, m_ip, m_port_n, m_epoch_n)
                self.reconfig_script(p, "observer", old, (m_ip, m_port_n))
        if changed:
            self.flush_config()

    def reset_primary(self, p) -> None:
        """SENTINEL RESET: forget replicas and sentinels, drop a running failover."""
        self.monitor.forget(p, sentinels=True)
        p.reset_to(p.ip, p.port)
        p.replicas = {}
        p.sentinels = {}
        self.event("+reset-master", p)

    def switch_primary(self, p, ip: str, port: int, config_epoch: int) -> None:
        """``sentinelResetMasterAndChangeAddress`` with its +switch-master event."""
        self.event_text("+switch-master", f"{p.name} {p.ip} {p.port} {ip} {port}", primary=p)
        self.monitor.forget(p)
        p.reset_to(ip, port)
        p.config_epoch = config_epoch
        for r in p.replicas.values():
            self.event("+slave", r, level="notice")
        self.flush_config()

    # -- votes ------------------------------------------------------------------------

    def vote_leader(self, p, req_epoch: int, req_runid: str) -> tuple[str, int]:
        """``sentinelVoteLeader``: the first candidate asking in a new epoch gets the
        vote; voting for another sentinel delays our own failover start by up to 1 s."""
        before_epoch = self.current_epoch
        before = (p.leader, p.leader_epoch)
        result = self.votes.vote(p, req_epoch, req_runid)
        if self.current_epoch > before_epoch:
            self.event_text("+new-epoch", str(self.current_epoch), primary=p)
        if (p.leader, p.leader_epoch) != before:
            self.flush_config()
            self.event_text("+vote-for-leader", f"{p.leader} {p.leader_epoch}", primary=p)
            if p.leader != self.cfg.myid:
                p.failover_start_ms = now_ms() + random.randrange(MAX_DESYNC_MS)
        return result

    async def ask_others(self, p, runid: str) -> None:
        """SENTINEL IS-MASTER-DOWN-BY-ADDR to every known sentinel (every ask-period)."""
        t = now_ms()
        if t - p.ask_tick_ms < self.timing["ask-period"] and runid == "*":
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
                if r[1] not in (b"*", None) and isinstance(r[2], int):
                    leader_id = r[1].decode(errors="replace")
                    if (s.leader, s.leader_epoch) != (leader_id, r[2]):
                        self.log("warning", f"{s.run_id} voted for {leader_id} {r[2]}")
                    s.leader = leader_id
                    s.leader_epoch = r[2]

        await asyncio.gather(*(ask(s) for s in list(p.sentinels.values())))

    # -- odown and failover ------------------------------------------------------------

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
                p.odown_since_ms = t
                self.event("+odown", p, f" #quorum {votes}/{p.quorum}")
        elif "o_down" in p.flags:
            p.flags.discard("o_down")
            self.event("-odown", p)
        if (p.failover is None and "o_down" in p.flags
                and t - p.failover_start_ms > 2 * p.failover_timeout_ms):
            self.start_failover(p)
        if p.failover is not None:
            await self.run_failover(p, now_ms())

    def start_failover(self, p, forced: bool = False) -> None:
        """``sentinelStartFailover`` (``forced``: SENTINEL FAILOVER, no election)."""
        t = now_ms()
        self.current_epoch += 1
        p.failover = failover.Failover(self.current_epoch, t)
        p.failover.forced = forced
        p.flags.add("failover_in_progress")
        if forced:
            p.flags.add("force_failover")
        self.event_text("+new-epoch", str(self.current_epoch), primary=p)
        self.event("+try-failover", p)
        p.failover_start_ms = t + random.randrange(MAX_DESYNC_MS)
        if not forced:
            self.vote_leader(p, self.current_epoch, self.cfg.myid)
        self.flush_config()

    def abort_failover(self, p, why: str, inst=None) -> None:
        """``sentinelAbortFailover``."""
        self.event(why, inst or p)
        f = p.failover
        if f is not None and f.promoted is not None:
            f.promoted.flags.discard("promoted")
        for r in p.replicas.values():
            r.flags -= {"reconf_sent", "reconf_inprog", "reconf_done"}
        p.failover = None
        p.flags -= {"failover_in_progress", "force_failover"}

    def crash_if(self, flag: int) -> None:
        if self.simfailure_flags & flag:
            self.log("warning", "Sentinel is simulating a failure. Exiting...")
            os._exit(99)

    async def run_failover(self, p, t: int) -> None:
        f = p.failover
        if f.state == failover.WAIT_START:
            if not f.forced:
                await self.ask_others(p, self.cfg.myid)
                ballots = {s.run_id: s.leader for s in p.sentinels.values() if s.leader_epoch == f.epoch}
                ballots[self.cfg.myid] = p.leader if p.leader_epoch == f.epoch else ""
                winner = leader.winner(ballots, len(p.sentinels) + 1, p.quorum)
                if winner != self.cfg.myid:
                    election_timeout = min(self.timing["election-timeout"], p.failover_timeout_ms)
                    if now_ms() - f.start_ms > election_timeout:
                        self.abort_failover(p, "-failover-abort-not-elected")
                    return
            self.event("+elected-leader", p)
            self.crash_if(settings.SIMFAILURE_CRASH_AFTER_ELECTION)
            f.set_state(failover.SELECT_SLAVE, t)
            self.event("+failover-state-select-slave", p)
        if f.state == failover.SELECT_SLAVE:
            r = failover.select_replica(list(p.replicas.values()), t, self.info_validity_ms(p),
                                        self.timing["ping-period"])
            if r is None:
                # Replica INFO may predate the primary's failure by up to one INFO
                # period: give the 1 s refresh two periods before giving up.
                if t - f.state_change_ms < 2 * self.timing["ping-period"]:
                    return
                self.abort_failover(p, "-failover-abort-no-good-slave")
                return
            f.promoted = r
            r.flags.add("promoted")
            self.event("+selected-slave", r)
            f.set_state(failover.SEND_SLAVEOF_NOONE, t)
            self.event("+failover-state-send-slaveof-noone", r, level="notice")
        if f.state == failover.SEND_SLAVEOF_NOONE:
            if not f.promoted.link_up and t - f.state_change_ms > p.failover_timeout_ms:
                self.abort_failover(p, "-failover-abort-slave-timeout", f.promoted)
                return
            if await self.send_replicaof(f.promoted, b"NO", b"ONE"):
                self.event("+failover-state-wait-promotion", f.promoted, level="notice")
                f.set_state(failover.WAIT_PROMOTION, now_ms())
            return
        if f.state == failover.WAIT_PROMOTION:
            # The promotion itself is seen by INFO (promoted()).
            if t - f.state_change_ms > p.failover_timeout_ms:
                self.abort_failover(p, "-failover-abort-slave-timeout", f.promoted)
            return
        if f.state == failover.RECONF_SLAVES:
            await self.reconf_next_replicas(p, t)
            self.detect_end(p, t)
            if f.timed_out and not f.timeout_sent:
                # As sentinelFailoverDetectEnd: on timeout, every replica not yet sent
                # SLAVEOF gets it at once, best effort.
                f.timeout_sent = True
                for r in list(p.replicas.values()):
                    if r.flags & {"promoted", "reconf_done", "reconf_sent"}:
                        continue
                    if await self.send_replicaof(r, f.promoted.ip.encode(), str(f.promoted.port).encode()):
                        self.event("+slave-reconf-sent-be", r, level="notice")
                        r.flags.add("reconf_sent")
        if f.state == failover.UPDATE_CONFIG:
            new = f.promoted
            for r in p.replicas.values():
                r.flags -= {"promoted", "reconf_sent", "reconf_inprog", "reconf_done"}
            self.switch_primary(p, new.ip, new.port, p.config_epoch)

    def promoted(self, p, r) -> None:
        """The selected replica's INFO reports ``role:master`` (WAIT_PROMOTION)."""
        f = p.failover
        t = now_ms()
        p.config_epoch = f.epoch
        f.set_state(failover.RECONF_SLAVES, t)
        self.flush_config()
        self.event("+promoted-slave", r)
        self.crash_if(settings.SIMFAILURE_CRASH_AFTER_PROMOTION)
        self.event("+failover-state-reconf-slaves", p)
        self.reconfig_script(p, "leader", (p.ip, p.port), (r.ip, r.port))
        for inst in (p, *p.replicas.values()):  # sentinelForceHelloUpdateForMaster
            inst.hello_tick_ms = 0

    async def reconf_next_replicas(self, p, t: int) -> None:
        """``sentinelFailoverReconfNextSlave``: keep ``parallel-syncs`` replicas syncing."""
        f = p.failover
        in_progress = sum(1 for r in p.replicas.values() if r.flags & {"reconf_sent", "reconf_inprog"})
        for r in list(p.replicas.values()):
            if in_progress >= p.parallel_syncs:
                break
            if r is f.promoted or "reconf_done" in r.flags:
                continue
            if "reconf_sent" in r.flags and t - r.reconf_sent_ms > self.timing["slave-reconf-timeout"]:
                self.event("-slave-reconf-sent-timeout", r, level="notice")
                r.flags.discard("reconf_sent")
                r.flags.add("reconf_done")
                continue
            if r.flags & {"reconf_sent", "reconf_inprog"}:
                continue
            if not r.link_up:
                continue
            if await self.send_replicaof(r, f.promoted.ip.encode(), str(f.promoted.port).encode()):
                r.flags.add("reconf_sent")
                r.reconf_sent_ms = now_ms()
                self.event("+slave-reconf-sent", r, level="notice")
                in_progress += 1

    def detect_end(self, p, t: int) -> None:
        """``sentinelFailoverDetectEnd``: every reachable replica is reconfigured (or the
        failover timeout passed)."""
        f = p.failover
        if f.promoted is None or "s_down" in f.promoted.flags:
            return
        pending = sum(1 for r in p.replicas.values()
                      if not r.flags & {"promoted", "reconf_done", "s_down"})
        if t - f.state_change_ms > p.failover_timeout_ms and not f.timed_out:
            pending = 0
            f.timed_out = True
            self.event("+failover-end-for-timeout", p)
        if pending == 0:
            self.event("+failover-end", p)
            f.set_state(failover.UPDATE_CONFIG, t)

    def replica_info(self, r, info: dict) -> None:
        """Failover progress seen in a replica's INFO (``sentinelRefreshInstanceInfo``)."""
        p = r.primary
        f = p.failover
        role = info.get("role", "")
        if f is not None and f.state == failover.WAIT_PROMOTION and r is f.promoted and role == "master":
            self.promoted(p, r)
            return
        if f is not None and role == "slave" and r.flags & {"reconf_sent", "reconf_inprog"}:
            new = f.promoted
            if ("reconf_sent" in r.flags and r.master_host == new.ip and r.master_port == new.port):
                r.flags.discard("reconf_sent")
                r.flags.add("reconf_inprog")
                self.event("+slave-reconf-inprog", r, level="notice")
            if "reconf_inprog" in r.flags and r.master_link_status == "up":
                r.flags.discard("reconf_inprog")
                r.flags.add("reconf_done")
                self.event("+slave-reconf-done", r, level="notice")
        if f is None and role == "master" and "promoted" not in r.flags and not self.tilt:
            # An old primary came back as a master: make it a replica once the
            # primary looks sane and the report is older than 4 publish periods.
            wait_ms = 4 * self.timing["publish-period"]
            t = now_ms()
            if (self.looks_sane(p) and t - r.role_reported_ms > wait_ms and not r.flags & {"s_down"}
                    and t - r.convert_sent_ms > wait_ms):
                r.convert_sent_ms = t
                asyncio.ensure_future(self._convert(r, p))
        if (f is None and role == "slave" and not self.tilt and (r.master_host, r.master_port) != (p.ip, p.port)
                and "promoted" not in r.flags):
            # A replica of another primary: point it back at ours once nothing has
            # changed for failover-timeout (``+fix-slave-config``).
            t = now_ms()
            wait_ms = p.failover_timeout_ms
            if (self.looks_sane(p) and not r.flags & {"s_down"} and t - r.slave_conf_change_ms > wait_ms
                    and t - r.convert_sent_ms > wait_ms):
                r.convert_sent_ms = t
                asyncio.ensure_future(self._fix(r, p))

    def looks_sane(self, p) -> bool:
        """``sentinelMasterLooksSane``."""
        return (not p.flags & {"s_down", "o_down"} and p.role_reported == "master" and p.link_up
                and now_ms() - p.info_refresh_ms < 2 * self.timing["info-period"])

    async def _fix(self, r, p) -> None:
        if await self.send_replicaof(r, p.ip.encode(), str(p.port).encode()):
            self.event("+fix-slave-config", r, level="notice")

    async def _convert(self, r, p) -> None:
        if await self.send_replicaof(r, p.ip.encode(), str(p.port).encode()):
            self.event("+convert-to-slave", r, level="notice")

    async def send_replicaof(self, inst, host: bytes, port: bytes) -> bool:
        """``sentinelSendSlaveOf``: the change inside MULTI/EXEC with CONFIG REWRITE and
        CLIENT KILL TYPE normal, as Redis sends it."""
        lk = self.monitor.link(inst)  # (the link applies rename-command)
        try:
            for cmd in ((b"MULTI",), (b"SLAVEOF", host, port), (b"CONFIG", b"REWRITE"),
                        (b"CLIENT", b"KILL", b"TYPE", b"normal"), (b"EXEC",)):
                reply = await lk.call(*cmd)
                if cmd[0] == b"MULTI" and isinstance(reply, Exception):
                    return False
        except (OSError, asyncio.TimeoutError, ConnectionError):
            return True  # CLIENT KILL may close our own link only after EXEC ran
        return True

    def flush_config(self) -> None:
        try:
            state_file.flush(self.cfg, self.current_epoch)
        except OSError as e:
            self.log("warning", f"WARNING: Sentinel was not able to save the new configuration on disk!!!: {e.strerror}")

    def info_text(self) -> str:
        lines = ["# Sentinel", f"sentinel_masters:{len(self.primaries)}",
                 f"sentinel_tilt:{int(self.tilt)}",
                 f"sentinel_tilt_since_seconds:{(now_ms() - self.tilt_start_ms) // 1000 if self.tilt else -1}",
                 f"sentinel_running_scripts:{self.scripts.running}",
                 f"sentinel_scripts_queue_length:{len(self.scripts.queue)}",
                 f"sentinel_simulate_failure_flags:{self.simfailure_flags}"]
        for i, p in enumerate(self.primaries.values()):
            status = "odown" if "o_down" in p.flags else "sdown" if "s_down" in p.flags else "ok"
            lines.append(f"master{i}:name={p.name},status={status},address={p.ip}:{p.port},"
                         f"slaves={len(p.replicas)},sentinels={len(p.sentinels) + 1}")
        return "\r\n".join(lines) + "\r\n"


def _split_options(rest: list[str]) -> list[str]:
    """``--name value ...`` options as config lines."""
    extra = []
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
    return extra


def build_server_config(cfg):
    """The server's Config from the non-sentinel lines (Sentinel's defaults: port
    26379, protected-mode off, no RDB snapshots)."""
    from ..config.conf_file import load_text
    from ..config.schema import Config

    config = Config()
    config.set_from_strings("port", ["26379"])
    config.set_from_strings("protected-mode", ["no"])
    config.set_from_strings("save", [""])
    load_text(config, "\n".join(cfg.other_lines))
    config.file = cfg.path
    return config


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
    from .. import REDIS_VERSION
    from ..config.conf_file import ConfigFileError

    try:
        cfg = state_file.parse(path, _split_options(argv[1:]))
        config = build_server_config(cfg)
    except (state_file.ConfigError, ValueError, IndexError) as e:
        sys.stderr.write(f"\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\n>>> {e}\n")
        return 1
    except ConfigFileError as e:
        sys.stderr.write(e.render(REDIS_VERSION))
        return 1
    from .. import sentinel as pkg

    pkg.ENABLED = True
    from .. import commands  # noqa: F401  (builds the table, with SENTINEL)
    from ..__main__ import daemonize, write_pidfile
    from ..engine.server import Server
    from ..net.listener import serve
    from ..security.acl.state import install as install_acl
    from . import mode

    mode.restrict()
    if config["daemonize"]:
        daemonize()
    server = Server(config)
    server.role = "sentinel"
    acl_error = install_acl(server)
    if acl_error is not None:
        server.log("warning", acl_error)
        return 1
    write_pidfile(server)
    sentinel = Sentinel(server, cfg)
    server.extensions["sentinel"] = sentinel
    server.cron_jobs.append(sentinel.timer)
    server.log("warning", "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo")
    server.log("notice", f"Running mode=sentinel, port={config['port']}.")
    sentinel.flush_config()
    server.log("notice", "Sentinel new configuration saved on disk")
    server.log("warning", f"Sentinel ID is {cfg.myid}")
    for p in sentinel.primaries.values():
        sentinel.event("+monitor", p, f" quorum {p.quorum}")
    try:
        import uvloop
    except ImportError:
        return asyncio.run(serve(server))
    return uvloop.run(serve(server))


if __name__ == "__main__":
    sys.exit(main())
