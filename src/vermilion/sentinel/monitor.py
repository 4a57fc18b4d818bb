"""The asyncio driver: one command link per monitored primary/replica, PING every
second, INFO every 10 s (1 s while the primary is down or failing over), replica
discovery from ``INFO replication``, hello messages on ``__sentinel__:hello`` and
subjective down (+sdown) after down-after-milliseconds without a valid PING reply.
"""

from __future__ import annotations

import asyncio

from . import failover
from .instance import now_ms

HELLO_CHANNEL = b"__sentinel__:hello"
FAST_INFO_PERIOD_MS = 250
DOWN_FLAGS = frozenset(("s_down", "o_down"))


def encode_cmd(*args) -> bytes:
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(parts)


async def read_reply(reader: asyncio.StreamReader):
    line = await reader.readline()
    if not line:
        raise ConnectionError("closed")
    t, body = line[:1], line[1:-2]
    if t in (b"+",):
        return body
    if t == b"-":
        return Exception(body.decode())
    if t == b":":
        return int(body)
    if t == b"$":
        n = int(body)
        if n < 0:
            return None
        data = await reader.readexactly(n + 2)
        return data[:-2]
    if t == b"*":
        n = int(body)
        return None if n < 0 else [await read_reply(reader) for _ in range(n)]
    raise ConnectionError("bad reply")


def parse_info(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v
    return out


class Link:
    """A command connection to one instance; requests are serialised by a lock."""

    def __init__(self, inst, client_name: bytes = b"", cfg=None):
        self.inst = inst
        self.client_name = client_name
        self.cfg = cfg  # the sentinel's config: sentinel-user/-pass towards other sentinels
        self.local_ip = ""  # our end of the connection (hello messages announce it)
        self.reader = None
        self.writer = None
        self.lock = asyncio.Lock()

    async def call(self, *args, timeout: float = 1.0):
        async with self.lock:
            if self.writer is None:
                self.reader, self.writer = await asyncio.wait_for(
                    asyncio.open_connection(self.inst.ip, self.inst.port), timeout)
                sockname = self.writer.get_extra_info("sockname")
                self.local_ip = sockname[0] if sockname else ""
                if self.inst.role == "sentinel":
                    user, password = (self.cfg.sentinel_user, self.cfg.sentinel_pass) if self.cfg else ("", "")
                else:
                    p = self.inst.primary or self.inst
                    user, password = p.auth_user, p.auth_pass
                if password:
                    auth = (b"AUTH", user, password) if user else (b"AUTH", password)
                    self.writer.write(encode_cmd(*auth))
                    await asyncio.wait_for(read_reply(self.reader), timeout)
                if self.client_name:  # CLIENT SETNAME sentinel-<id8>-cmd (reply ignored)
                    self.writer.write(encode_cmd(b"CLIENT", b"SETNAME", self.client_name))
                    await asyncio.wait_for(read_reply(self.reader), timeout)
                self.inst.link_up = True
            if self.inst.role != "sentinel":
                renamed = (self.inst.primary or self.inst).renamed  # SENTINEL SET rename-command
                if renamed:
                    name = args[0].decode() if isinstance(args[0], bytes) else args[0]
                    args = (renamed.get(name.lower(), name), *args[1:])
            try:
                self.writer.write(encode_cmd(*args))
                return await asyncio.wait_for(read_reply(self.reader), timeout)
            except BaseException:
                self.close()
                raise

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.writer = self.reader = None
        self.inst.link_up = False


class Monitor:
    def __init__(self, sentinel):
        self.s = sentinel
        self.previous_tick_ms = 0
        self.links: dict[int, Link] = {}
        self.subscribers: dict[int, HelloSubscriber] = {}

    def link(self, inst) -> Link:
        lk = self.links.get(id(inst))
        if lk is None:
            lk = self.links[id(inst)] = Link(inst, b"sentinel-%s-cmd" % self.s.cfg.myid[:8].encode(), self.s.cfg)
        return lk

    def tick(self) -> None:
        """``sentinelTimer`` (a server cron job, every 100 ms at hz 10): PING, INFO
        and hello per instance when their period is due, the s_down checks, then one
        failover step per primary (an asyncio task: it talks to other sentinels)."""
        t = now_ms()
        timing = self.s.timing
        self.check_tilt(t)
        ping_period = timing["ping-period"]
        for p in list(self.s.primaries.values()):
            for inst in [p, *p.replicas.values()]:
                if id(inst) not in self.subscribers:
                    self.subscribers[id(inst)] = HelloSubscriber(self, inst)
            period = ping_period if ("s_down" in p.flags or p.failover) else timing["info-period"]
            if p.failover is not None and p.failover.state in (failover.WAIT_PROMOTION, failover.RECONF_SLAVES):
                # Divergence (faster than Redis): the promotion and the replicas'
                # reconfiguration are seen by INFO, polled every 250 ms meanwhile.
                period = FAST_INFO_PERIOD_MS
            for inst in [p, *p.replicas.values(), *p.sentinels.values()]:
                if t - inst.ping_tick_ms >= min(ping_period, inst.down_after_ms()):
                    inst.ping_tick_ms = t
                    asyncio.ensure_future(self.ping(inst))
                if inst.role == "sentinel":
                    continue
                due = period
                if due > ping_period and (inst.info_refresh_ms == 0 or (
                        inst.role == "slave" and inst.role_reported == "master")):
                    # No INFO yet (Redis retries at once until one arrives), or a
                    # replica claiming to be a primary: every ping period.
                    due = ping_period
                if t - inst.info_tick_ms >= due:
                    inst.info_tick_ms = t
                    asyncio.ensure_future(self.refresh_info(inst))
                if t - inst.hello_tick_ms >= timing["publish-period"]:
                    inst.hello_tick_ms = t
                    asyncio.ensure_future(self.send_hello(inst))
            if self.s.tilt:
                continue  # TILT: monitor, but act on nothing
            self.check_sdown(p)
            for r in [*p.replicas.values(), *p.sentinels.values()]:
                self.check_sdown(r)
            # The odown/failover step only has work while something is down (or a
            # fellow sentinel's master_down vote is left to clear).
            if not p.step_running and (p.failover is not None or p.flags & DOWN_FLAGS
                                       or any("master_down" in x.flags for x in p.sentinels.values())):
                asyncio.ensure_future(self.s.failover_step(p))

    def check_tilt(self, t: int) -> None:
        """``sentinelCheckTiltCondition``: the clock jumped backwards, or the timer ran
        later than tilt-trigger (the process was stopped or starved): enter TILT for
        tilt-period, during which timings are not trusted (no s_down, no failover)."""
        s = self.s
        delta = t - self.previous_tick_ms
        if self.previous_tick_ms and (delta < 0 or delta > s.timing["tilt-trigger"]):
            if not s.tilt:
                s.tilt = True
                s.tilt_start_ms = t
                s.event_text("+tilt", "#tilt mode entered")
            else:
                s.tilt_start_ms = t
        elif s.tilt and t - s.tilt_start_ms > s.timing["tilt-period"]:
            s.tilt = False
            s.event_text("-tilt", "#tilt mode exited")
        self.previous_tick_ms = t

    def forget(self, p, sentinels: bool = False) -> None:
        """Close the links and hello subscriptions of a primary and its replicas (the
        primary's address changed: they are reopened on the next tick)."""
        for inst in [p, *p.replicas.values(), *(p.sentinels.values() if sentinels else ())]:
            lk = self.links.pop(id(inst), None)
            if lk is not None:
                lk.close()
            sub = self.subscribers.pop(id(inst), None)
            if sub is not None:
                sub.task.cancel()

    def forget_link(self, inst) -> None:
        lk = self.links.pop(id(inst), None)
        if lk is not None:
            lk.close()

    async def ping(self, inst):
        if not inst.act_ping_ms:
            inst.act_ping_ms = now_ms()
        inst.last_ping_sent_ms = now_ms()
        try:
            reply = await self.link(inst).call(b"PING")
        except (OSError, asyncio.TimeoutError, ConnectionError):
            if not inst.link_up:
                # A lost link counts from the last valid reply, as Redis's
                # ``now - last_avail_time`` for a disconnected link.
                inst.act_ping_ms = min(inst.act_ping_ms, inst.last_ok_ping_reply_ms)
            return
        t = now_ms()
        inst.last_ping_reply_ms = t
        if reply == b"PONG" or (isinstance(reply, Exception) and str(reply).split()[0] in ("LOADING", "MASTERDOWN")):
            inst.last_ok_ping_reply_ms = t
            inst.act_ping_ms = 0
        inst.last_ping_sent_ms = 0

    async def refresh_info(self, inst):
        try:
            reply = await self.link(inst).call(b"INFO")
        except (OSError, asyncio.TimeoutError, ConnectionError):
            return
        if not isinstance(reply, bytes):
            return
        info = parse_info(reply.decode(errors="replace"))
        inst.info = reply
        inst.info_refresh_ms = now_ms()
        inst.run_id = info.get("run_id", inst.run_id)
        role = info.get("role", "")
        reported = "master" if role == "master" else "slave"
        if reported != inst.role_reported:
            inst.role_reported = reported
            inst.role_reported_ms = now_ms()
        if inst.role == "master" and role == "master":
            for k, v in info.items():
                if k.startswith("slave") and k[5:].isdigit():
                    f = dict(x.split("=", 1) for x in v.split(",") if "=" in x)
                    if "ip" in f and "port" in f and f["port"].isdigit():
                        if f"{f['ip']}:{f['port']}" not in inst.replicas:
                            r = inst.add_replica(f["ip"], int(f["port"]))
                            self.s.event("+slave", r, level="notice")
        elif role == "slave":
            inst.slave_priority = int(info.get("slave_priority", "100"))
            inst.repl_offset = int(info.get("slave_repl_offset", "0"))
            inst.master_link_status = info.get("master_link_status", "err")
            inst.master_link_down_s = int(info.get("master_link_down_since_seconds", "0") or 0)
            host, port = info.get("master_host", ""), int(info.get("master_port", "0") or 0)
            if (host, port) != (inst.master_host, inst.master_port):
                inst.master_host, inst.master_port = host, port
                inst.slave_conf_change_ms = now_ms()
        if inst.role == "slave":
            self.s.replica_info(inst, info)

    async def send_hello(self, inst):
        p = inst.primary or inst
        s = self.s
        ip, port = p.ip, p.port
        f = p.failover
        if f is not None and f.state in (failover.RECONF_SLAVES, failover.UPDATE_CONFIG):
            # sentinelGetCurrentMasterAddress: once promoted, the new primary is announced.
            ip, port = f.promoted.ip, f.promoted.port
        lk = self.link(inst)
        # As Redis: announce-ip, else the local address of the link to this instance
        # (the address the others can reach us at); not connected yet: next period.
        my_ip = s.cfg.announce_ip or lk.local_ip
        if not my_ip:
            return
        msg = (f"{my_ip},{s.announce_port()},{s.cfg.myid},{s.current_epoch},"
               f"{p.name},{ip},{port},{p.config_epoch}")
        try:
            await lk.call(b"PUBLISH", HELLO_CHANNEL, msg)
        except (OSError, asyncio.TimeoutError, ConnectionError):
            pass

    def check_sdown(self, inst):
        # As sentinelCheckSubjectivelyDown: the oldest unanswered PING is older than
        # down-after-milliseconds.
        elapsed = now_ms() - inst.act_ping_ms if inst.act_ping_ms else 0
        if elapsed > inst.down_after_ms():
            if "s_down" not in inst.flags:
                inst.flags.add("s_down")
                inst.sdown_since_ms = now_ms()
                self.s.event("+sdown", inst)
                if inst.role == "master":
                    # INFO of the replicas goes to a 1 s period now: refresh them at
                    # once so a failover finds fresh replication offsets.
                    for r in inst.replicas.values():
                        r.info_tick_ms = 0
        elif "s_down" in inst.flags:
            inst.flags.discard("s_down")
            self.s.event("-sdown", inst)
            inst.info_tick_ms = 0  # back: learn its role now, not at the next INFO period


class HelloSubscriber:
    """A pub/sub connection subscribed to ``__sentinel__:hello`` on one instance."""

    def __init__(self, monitor, inst):
        self.monitor = monitor
        self.inst = inst
        self.task = asyncio.ensure_future(self.run())

    async def run(self):
        while True:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(self.inst.ip, self.inst.port), 1.0)
            except (OSError, asyncio.TimeoutError):
                await asyncio.sleep(1)
                continue
            try:
                p = self.inst.primary or self.inst
                if p.auth_pass:
                    auth = (b"AUTH", p.auth_user, p.auth_pass) if p.auth_user else (b"AUTH", p.auth_pass)
                    writer.write(encode_cmd(*auth))
                    await read_reply(reader)
                name = b"sentinel-%s-pubsub" % self.monitor.s.cfg.myid[:8].encode()
                renamed = p.renamed  # SENTINEL SET rename-command
                writer.write(encode_cmd(renamed.get("client", "CLIENT"), b"SETNAME", name))
                await read_reply(reader)
                writer.write(encode_cmd(renamed.get("subscribe", "SUBSCRIBE"), HELLO_CHANNEL))
                while True:
                    msg = await read_reply(reader)
                    if isinstance(msg, list) and len(msg) == 3 and msg[0] == b"message":
                        self.monitor.s.process_hello(msg[2].decode(errors="replace"))
            except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError):
                pass
            finally:
                writer.close()
            await asyncio.sleep(1)
