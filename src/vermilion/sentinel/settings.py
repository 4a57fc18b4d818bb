"""SENTINEL SET, SENTINEL CONFIG GET|SET and SENTINEL DEBUG: validation and apply.

Each validates the whole argument list first (Redis's error texts), then applies it and
rewrites the config file, so a bad pair never leaves a half-applied change.  The timing
parameters of SENTINEL DEBUG (``sentinel.timing``) drive the monitor's periods.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import Any

from ..protocol.errors import err
from ..protocol.reply import OK
from ..util.glob import stringmatch

SIMFAILURE_CRASH_AFTER_ELECTION = 1
SIMFAILURE_CRASH_AFTER_PROMOTION = 2

# SENTINEL DEBUG's parameters and defaults (ms), in Redis's reply order.
DEFAULT_TIMING = {
    "info-period": 10000, "ping-period": 1000, "ask-period": 1000, "publish-period": 2000,
    "default-down-after": 30000, "default-failover-timeout": 180000, "tilt-trigger": 2000,
    "tilt-period": 30000, "slave-reconf-timeout": 10000, "min-link-reconnect-period": 15000,
    "election-timeout": 10000, "script-max-runtime": 60000, "script-retry-delay": 30000,
}


def resolve(host: str, resolve_hostnames: bool) -> str | None:
    """``anetResolve``: an IP address as is; a hostname only with resolve-hostnames."""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    if not resolve_hostnames:
        return None
    try:
        return socket.gethostbyname(host)
    except OSError:
        return None


def _ll(raw: bytes) -> int | None:
    from ..config.schema import string2ll

    return string2ll(raw.decode(errors="replace"))


# -- SENTINEL SET -------------------------------------------------------------------

# option -> (number of values, check of the value or None)
_SET_OPTIONS = {
    b"down-after-milliseconds": 1, b"failover-timeout": 1, b"parallel-syncs": 1,
    b"notification-script": 1, b"client-reconfig-script": 1, b"auth-pass": 1,
    b"auth-user": 1, b"quorum": 1, b"rename-command": 2, b"master-reboot-down-after-period": 1,
}
_POSITIVE = (b"down-after-milliseconds", b"failover-timeout", b"parallel-syncs", b"quorum")


def set_command(s: Any, p: Any, argv: list[bytes]) -> Any:
    """``sentinelSetCommand``: option/value pairs for one monitored primary."""
    changes: list[tuple[bytes, list[bytes]]] = []
    j = 3
    n = len(argv)
    while j < n:
        option = argv[j]
        key = option.lower()
        nvals = _SET_OPTIONS.get(key)
        if nvals is None or n - 1 - j < nvals:
            raise err("Unknown option or number of arguments for SENTINEL SET '%s'"
                      % option.decode(errors="replace"))
        vals = argv[j + 1: j + 1 + nvals]
        bad = None
        if key in _POSITIVE:
            v = _ll(vals[0])
            if v is None or v <= 0:
                bad = vals[0]
        elif key == b"master-reboot-down-after-period":
            v = _ll(vals[0])
            if v is None or v < 0:
                bad = vals[0]
        elif key in (b"notification-script", b"client-reconfig-script"):
            if s.cfg.deny_scripts_reconfig:
                raise err("Reconfiguration of scripts path is denied for security reasons. Check the "
                          "deny-scripts-reconfig configuration directive in your Sentinel configuration")
            if vals[0] and not os.access(vals[0], os.X_OK):
                raise err("Notification script seems non existing or non executable")
        elif key == b"rename-command":
            if not vals[0] or not vals[1]:
                bad = vals[1] if vals[0] else vals[0]
        if bad is not None:
            raise err("Invalid argument '%s' for SENTINEL SET '%s'"
                      % (bad.decode(errors="replace"), option.decode(errors="replace")))
        changes.append((key, vals))
        j += 1 + nvals
    for key, vals in changes:
        text = [v.decode(errors="surrogateescape") for v in vals]
        if key == b"down-after-milliseconds":
            p._down_after_ms = int(text[0])
        elif key == b"failover-timeout":
            p.failover_timeout_ms = int(text[0])
        elif key == b"parallel-syncs":
            p.parallel_syncs = int(text[0])
        elif key == b"quorum":
            p.quorum = int(text[0])
        elif key == b"auth-pass":
            p.auth_pass = text[0] or None
        elif key == b"auth-user":
            p.auth_user = text[0] or None
        elif key == b"master-reboot-down-after-period":
            p.reboot_down_after_ms = int(text[0])
        elif key == b"notification-script":
            p.notification_script = text[0]
        elif key == b"client-reconfig-script":
            p.client_reconfig_script = text[0]
        elif key == b"rename-command":
            p.renamed[text[0].lower()] = text[1]
        shown = ["******"] if key in (b"auth-pass", b"auth-user") else text
        s.event("+set", p, " " + " ".join([key.decode(), *shown]))
    if changes:
        if any(k in (b"auth-pass", b"auth-user") for k, _ in changes):
            s.monitor.forget(p)  # reconnect with the new credentials
        s.flush_config()
    return OK


# -- SENTINEL CONFIG ----------------------------------------------------------------

CONFIG_PARAMS = ("resolve-hostnames", "announce-hostnames", "announce-ip", "announce-port",
                 "sentinel-user", "sentinel-pass")
_ONLY = "Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported."


def config_value(cfg: Any, name: str) -> str:
    if name == "resolve-hostnames":
        return "yes" if cfg.resolve_hostnames else "no"
    if name == "announce-hostnames":
        return "yes" if cfg.announce_hostnames else "no"
    if name == "announce-ip":
        return cfg.announce_ip
    if name == "announce-port":
        return str(cfg.announce_port)
    if name == "sentinel-user":
        return cfg.sentinel_user
    return cfg.sentinel_pass


def config_command(s: Any, argv: list[bytes]) -> Any:
    """``SENTINEL CONFIG GET <pattern> [<pattern> ...]`` (a map of every parameter any
    pattern matches) / ``SET <param> <value> [<param> <value> ...]`` (7.2: several in
    one call; all are checked before any is applied)."""
    n = len(argv)
    action = argv[2].lower()
    if action == b"get" and n >= 4:
        return {name.encode(): config_value(s.cfg, name).encode() for name in CONFIG_PARAMS
                if any(stringmatch(pat, name.encode(), nocase=True) for pat in argv[3:])}
    if action != b"set" or n < 5 or (n - 3) % 2:
        raise err(_ONLY)
    cfg = s.cfg
    updates: list[tuple[str, Any]] = []
    for j in range(3, n, 2):
        name = argv[j].decode(errors="replace").lower()
        raw = argv[j + 1]
        value = raw.decode(errors="surrogateescape")
        if name in ("resolve-hostnames", "announce-hostnames"):
            if value.lower() not in ("yes", "no"):
                raise err("Invalid value '%s' to SENTINEL CONFIG SET '%s'" % (value, name))
            updates.append((name.replace("-", "_"), value.lower() == "yes"))
        elif name == "announce-port":
            v = _ll(raw)
            if v is None or v < 0 or v > 65535:
                raise err("Invalid value '%s' to SENTINEL CONFIG SET '%s'" % (value, name))
            updates.append(("announce_port", v))
        elif name in ("announce-ip", "sentinel-user", "sentinel-pass"):
            updates.append((name.replace("-", "_"), value))
        else:
            raise err("Invalid argument '%s' to SENTINEL CONFIG SET" % argv[j].decode(errors="replace"))
    for attr, v in updates:
        setattr(cfg, attr, v)
    s.flush_config()
    return OK


# -- SENTINEL DEBUG -----------------------------------------------------------------


def debug_command(s: Any, argv: list[bytes]) -> Any:
    """No argument: the timing parameters (upper-case names, a map); else name/value
    pairs, each a positive integer."""
    if len(argv) == 2:
        return {k.upper().encode(): str(v).encode() for k, v in s.timing.items()}
    updates = {}
    j = 2
    while j < len(argv):
        option = argv[j].decode(errors="replace")
        name = option.lower()
        if name not in DEFAULT_TIMING or j + 1 >= len(argv):
            raise err("Unknown option or number of arguments for SENTINEL DEBUG '%s'" % option)
        v = _ll(argv[j + 1])
        if v is None or v <= 0:
            raise err("Invalid argument '%s' for SENTINEL DEBUG '%s'"
                      % (argv[j + 1].decode(errors="replace"), option))
        updates[name] = v
        j += 2
    s.timing.update(updates)
    return OK
