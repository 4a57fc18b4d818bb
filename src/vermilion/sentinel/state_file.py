"""sentinel.conf: parsing of the ``sentinel ...`` directives and the rewrite.

The rewrite keeps every non-sentinel line and regenerates the sentinel state (myid,
monitor, per-primary options, current-epoch, known-replica, known-sentinel), as
``sentinelFlushConfig`` does.  The file is written to a temporary then renamed.
"""

from __future__ import annotations

import os
import shlex

from .instance import Primary, new_run_id


class ConfigError(Exception):
    pass


class SentinelConfig:
    def __init__(self, path: str):
        self.path = path
        self.port = 26379
        self.bind = "0.0.0.0"
        self.myid = ""
        self.current_epoch = 0
        self.announce_ip = ""
        self.announce_port = 0
        self.resolve_hostnames = False
        self.announce_hostnames = False
        self.sentinel_user = ""
        self.sentinel_pass = ""
        self.deny_scripts_reconfig = True
        self.primaries: dict[str, Primary] = {}
        self.other_lines: list[str] = []
        self.known: list[list[str]] = []


def _yesno(v: str) -> bool:
    if v.lower() not in ("yes", "no"):
        raise ConfigError("argument must be 'yes' or 'no'")
    return v.lower() == "yes"


def parse(path: str, extra: list[str] = ()) -> SentinelConfig:
    cfg = SentinelConfig(path)
    with open(path) as f:
        lines = f.read().splitlines() + list(extra)
    for line in lines:
        words = shlex.split(line, comments=True) if line.strip() and not line.lstrip().startswith("#") else []
        if not words:
            if line.strip():
                cfg.other_lines.append(line)  # the user's comments stay where they were
            continue
        key = words[0].lower()
        if key == "sentinel" and len(words) > 1:
            apply_sentinel(cfg, words[1:])
            continue
        if key == "port":
            cfg.port = int(words[1])
        elif key == "bind":
            cfg.bind = words[1]
        cfg.other_lines.append(line)
    for words in cfg.known:
        p = cfg.primaries.get(words[1])
        if p is None:
            raise ConfigError("No such master with specified name.")
        if words[0] == "known-replica":
            p.add_replica(words[2], int(words[3]))
        else:
            from .instance import Instance
            s = Instance("sentinel", words[4], words[2], int(words[3]), p)
            s.run_id = words[4]
            p.sentinels[words[4]] = s
    if not cfg.myid:
        cfg.myid = new_run_id()
    return cfg


def apply_sentinel(cfg: SentinelConfig, a: list[str]) -> None:
    k = a[0].lower()
    n = len(a)
    if k == "monitor" and n == 5:
        q = int(a[4])
        if q <= 0:
            raise ConfigError("Quorum must be 1 or greater.")
        cfg.primaries[a[1]] = Primary(a[1], a[2], int(a[3]), q)
    elif k in ("down-after-milliseconds", "failover-timeout", "parallel-syncs",
               "auth-pass", "auth-user", "config-epoch", "leader-epoch", "notification-script",
               "client-reconfig-script", "master-reboot-down-after-period") and n == 3:
        p = cfg.primaries.get(a[1])
        if p is None:
            raise ConfigError("No such master with specified name.")
        v = a[2]
        if k == "down-after-milliseconds":
            p._down_after_ms = int(v)
        elif k == "failover-timeout":
            p.failover_timeout_ms = int(v)
        elif k == "parallel-syncs":
            p.parallel_syncs = int(v)
        elif k == "auth-pass":
            p.auth_pass = v
        elif k == "auth-user":
            p.auth_user = v
        elif k == "config-epoch":
            p.config_epoch = int(v)
        elif k in ("notification-script", "client-reconfig-script"):
            if not os.access(v, os.X_OK):
                what = "Notification" if k == "notification-script" else "Client reconfiguration"
                raise ConfigError(f"{what} script seems non existing or non executable.")
            setattr(p, k.replace("-", "_"), v)
        elif k == "master-reboot-down-after-period":
            p.reboot_down_after_ms = int(v)
        else:
            p.leader_epoch = int(v)
    elif k in ("known-replica", "known-slave") and n == 4:
        cfg.known.append(["known-replica", a[1], a[2], a[3]])
    elif k == "known-sentinel" and n == 5:
        cfg.known.append(["known-sentinel", a[1], a[2], a[3], a[4]])
    elif k == "myid" and n == 2:
        if len(a[1]) != 40:
            raise ConfigError("Malformed Sentinel id in myid option.")
        cfg.myid = a[1]
    elif k == "current-epoch" and n == 2:
        cfg.current_epoch = int(a[1])
    elif k == "announce-ip" and n == 2:
        cfg.announce_ip = a[1]
    elif k == "announce-port" and n == 2:
        cfg.announce_port = int(a[1])
    elif k == "resolve-hostnames" and n == 2:
        cfg.resolve_hostnames = _yesno(a[1])
    elif k == "announce-hostnames" and n == 2:
        cfg.announce_hostnames = _yesno(a[1])
    elif k == "sentinel-user" and n == 2:
        cfg.sentinel_user = a[1]
    elif k == "sentinel-pass" and n == 2:
        cfg.sentinel_pass = a[1]
    elif k == "rename-command" and n == 4:
        p = cfg.primaries.get(a[1])
        if p is None:
            raise ConfigError("No such master with specified name.")
        p.renamed[a[2].lower()] = a[3]
    elif k == "deny-scripts-reconfig" and n == 2:
        cfg.deny_scripts_reconfig = _yesno(a[1])
    else:
        raise ConfigError("Unrecognized sentinel configuration statement.")


def _quote(v: str) -> str:
    """A value as one config word (quoted when empty or holding blanks/quotes)."""
    if v and not any(ch in v for ch in " \t\"'\\"):
        return v
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(cfg: SentinelConfig, current_epoch: int) -> str:
    out = list(cfg.other_lines)
    out.append(f"sentinel myid {cfg.myid}")
    if not cfg.deny_scripts_reconfig:
        out.append("sentinel deny-scripts-reconfig no")
    if cfg.resolve_hostnames:
        out.append("sentinel resolve-hostnames yes")
    if cfg.announce_hostnames:
        out.append("sentinel announce-hostnames yes")
    if cfg.announce_ip:
        out.append(f"sentinel announce-ip {_quote(cfg.announce_ip)}")
    if cfg.announce_port:
        out.append(f"sentinel announce-port {cfg.announce_port}")
    if cfg.sentinel_user:
        out.append(f"sentinel sentinel-user {_quote(cfg.sentinel_user)}")
    if cfg.sentinel_pass:
        out.append(f"sentinel sentinel-pass {_quote(cfg.sentinel_pass)}")
    for p in cfg.primaries.values():
        out.append(f"sentinel monitor {p.name} {p.ip} {p.port} {p.quorum}")
        if p._down_after_ms != 30000:
            out.append(f"sentinel down-after-milliseconds {p.name} {p._down_after_ms}")
        if p.failover_timeout_ms != 180000:
            out.append(f"sentinel failover-timeout {p.name} {p.failover_timeout_ms}")
        if p.parallel_syncs != 1:
            out.append(f"sentinel parallel-syncs {p.name} {p.parallel_syncs}")
        if p.notification_script:
            out.append(f"sentinel notification-script {p.name} {_quote(p.notification_script)}")
        if p.client_reconfig_script:
            out.append(f"sentinel client-reconfig-script {p.name} {_quote(p.client_reconfig_script)}")
        if p.auth_pass:
            out.append(f"sentinel auth-pass {p.name} {_quote(p.auth_pass)}")
        if p.auth_user:
            out.append(f"sentinel auth-user {p.name} {_quote(p.auth_user)}")
        if p.reboot_down_after_ms:
            out.append(f"sentinel master-reboot-down-after-period {p.name} {p.reboot_down_after_ms}")
        out.append(f"sentinel config-epoch {p.name} {p.config_epoch}")
        out.append(f"sentinel leader-epoch {p.name} {p.leader_epoch}")
        for r in p.replicas.values():
            out.append(f"sentinel known-replica {p.name} {r.ip} {r.port}")
        for s in p.sentinels.values():
            out.append(f"sentinel known-sentinel {p.name} {s.ip} {s.port} {s.run_id}")
        for old, new in p.renamed.items():
            out.append(f"sentinel rename-command {p.name} {_quote(old)} {_quote(new)}")
    out.append(f"sentinel current-epoch {current_epoch}")
    return "\n".join(out) + "\n"


def flush(cfg: SentinelConfig, current_epoch: int) -> None:
    tmp = cfg.path + ".tmp-" + str(os.getpid())
    with open(tmp, "w") as f:
        f.write(render(cfg, current_epoch))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, cfg.path)
