"""State of the monitored instances, as ``sentinelRedisInstance`` in Redis's sentinel.c.

A ``Primary`` holds its replicas (keyed ``ip:port``) and the other sentinels that
monitor it (keyed by run id).  Flags are kept as a set of names and rendered in Redis's
order (``master,s_down,o_down,disconnected,...``).
"""

from __future__ import annotations

import os
import time

# The order of sentinel.c's flag rendering (checked against Redis: a dead primary is
# ``s_down,o_down,master,disconnected``).
FLAG_ORDER = ("s_down", "o_down", "master", "slave", "sentinel", "disconnected",
              "master_down", "failover_in_progress", "promoted", "reconf_sent",
              "reconf_inprog", "reconf_done", "force_failover", "scripts_null")


def now_ms() -> int:
    return int(time.time() * 1000)


def new_run_id() -> str:
    return os.urandom(20).hex()


class Instance:
    def __init__(self, role: str, name: str, ip: str, port: int, primary=None):
        self.role = role
        self.name = name
        self.ip = ip
        self.port = port
        self.primary = primary
        self.run_id = ""
        self.flags: set[str] = set()
        self.link_up = False
        self.created_ms = now_ms()
        self.last_ping_sent_ms = 0
        self.act_ping_ms = 0
        self.ping_tick_ms = 0
        self.info_tick_ms = 0
        self.hello_tick_ms = 0
        self.step_running = False
        self.leader = ""
        self.leader_epoch = 0
        self.ask_tick_ms = 0
        self.last_ok_ping_reply_ms = now_ms()
        self.last_ping_reply_ms = now_ms()
        self.last_hello_ms = 0
        self.sdown_since_ms = 0
        self.info_refresh_ms = 0
        self.role_reported = role
        self.slave_priority = 100
        self.repl_offset = 0
        self.master_link_status = "err"
        self.master_host = ""
        self.master_port = 0
        self.link_down_since_ms = 0
        self.master_link_down_s = 0
        self.role_reported_ms = now_ms()
        self.odown_since_ms = 0
        self.reconf_sent_ms = 0
        self.convert_sent_ms = 0
        self.slave_conf_change_ms = now_ms()  # when INFO's master_host/port last changed
        self.info = b""

    @property
    def addr(self) -> str:
        return f"{self.ip}:{self.port}"

    def flag_string(self) -> str:
        flags = {self.role} | self.flags
        if not self.link_up:
            flags.add("disconnected")
        return ",".join(f for f in FLAG_ORDER if f in flags)

    def fields(self) -> list[tuple[str, str]]:
        """The field list of SENTINEL MASTER/REPLICAS/SENTINELS, in Redis's order."""
        t = now_ms()
        out = [("name", self.name), ("ip", self.ip), ("port", str(self.port)),
               ("runid", self.run_id), ("flags", self.flag_string()),
               ("link-pending-commands", "0"), ("link-refcount", "1"),
               ("last-ping-sent", str(t - self.act_ping_ms if self.act_ping_ms else 0)),
               ("last-ok-ping-reply", str(t - self.last_ok_ping_reply_ms)),
               ("last-ping-reply", str(t - self.last_ping_reply_ms))]
        if "s_down" in self.flags:
            out.append(("s-down-time", str(t - self.sdown_since_ms)))
        if "o_down" in self.flags:
            out.append(("o-down-time", str(t - self.odown_since_ms if self.odown_since_ms else 0)))
        out.append(("down-after-milliseconds", str(self.down_after_ms())))
        if self.role != "sentinel":
            out.append(("info-refresh", str(t - self.info_refresh_ms if self.info_refresh_ms else 0)))
            out.append(("role-reported", self.role_reported))
            out.append(("role-reported-time", str(t - self.role_reported_ms)))
        if self.role == "slave":
            down_s = self.master_link_down_s if self.master_link_status != "up" else 0
            out += [("master-link-down-time", str(max(0, down_s) * 1000)),
                    ("master-link-status", self.master_link_status),
                    ("master-host", self.master_host or "?"),
                    ("master-port", str(self.master_port)),
                    ("slave-priority", str(self.slave_priority)),
                    ("slave-repl-offset", str(self.repl_offset)),
                    ("replica-announced", "1")]
        elif self.role == "sentinel":
            out += [("last-hello-message", str(t - self.last_hello_ms if self.last_hello_ms else 0)),
                    ("voted-leader", self.leader or "?"),
                    ("voted-leader-epoch", str(self.leader_epoch))]
        return out

    def down_after_ms(self) -> int:
        return self.primary.down_after_ms() if self.primary is not None else self._down_after_ms


class Primary(Instance):
    def __init__(self, name: str, ip: str, port: int, quorum: int):
        super().__init__("master", name, ip, port)
        self.quorum = quorum
        self._down_after_ms = 30000
        self.failover_timeout_ms = 180000
        self.parallel_syncs = 1
        self.auth_pass: str | None = None
        self.auth_user: str | None = None
        self.config_epoch = 0
        self.replicas: dict[str, Instance] = {}
        self.sentinels: dict[str, Instance] = {}
        self.failover_epoch = 0
        self.leader = ""
        self.leader_epoch = 0
        self.failover = None  # a failover.Failover while one runs
        self.failover_start_ms = 0
        self.num_other_sentinels_down = 0
        self.notification_script = ""
        self.client_reconfig_script = ""
        self.reboot_down_after_ms = 0
        self.renamed: dict[str, str] = {}  # SENTINEL SET rename-command (lower-case old -> new)

    def down_after_ms(self) -> int:
        return self._down_after_ms

    def add_replica(self, ip: str, port: int) -> Instance:
        key = f"{ip}:{port}"
        rep = self.replicas.get(key)
        if rep is None:
            rep = self.replicas[key] = Instance("slave", key, ip, port, self)
        return rep

    def fields(self) -> list[tuple[str, str]]:
        out = super().fields()
        out += [("config-epoch", str(self.config_epoch)),
                ("num-slaves", str(len(self.replicas))),
                ("num-other-sentinels", str(len(self.sentinels))),
                ("quorum", str(self.quorum)),
                ("failover-timeout", str(self.failover_timeout_ms)),
                ("parallel-syncs", str(self.parallel_syncs))]
        if self.notification_script:
            out.append(("notification-script", self.notification_script))
        if self.client_reconfig_script:
            out.append(("client-reconfig-script", self.client_reconfig_script))
        return out

    def reset_to(self, ip: str, port: int) -> None:
        """``sentinelResetMasterAndChangeAddress``: the primary moved; the old primary
        and the other replicas become replicas of the new one."""
        old = f"{self.ip}:{self.port}"
        others = [r for r in self.replicas.values() if r.addr != f"{ip}:{port}"]
        self.ip, self.port = ip, port
        self.replicas = {}
        for r in others:
            self.add_replica(r.ip, r.port)
        if old != f"{ip}:{port}":
            h, p = old.rsplit(":", 1)
            self.add_replica(h, int(p))
        self.flags.clear()
        self.link_up = False
        self.run_id = ""
        self.failover = None
        self.last_ok_ping_reply_ms = now_ms()
        self.last_ping_reply_ms = now_ms()
        self.act_ping_ms = 0
        self.ping_tick_ms = self.info_tick_ms = self.hello_tick_ms = 0
        self.info_refresh_ms = 0
        self.role_reported = "master"
        self.role_reported_ms = now_ms()
