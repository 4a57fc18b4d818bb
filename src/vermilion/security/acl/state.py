"""The ACL subsystem of one server: users, log, authentication and the dispatch gate.

``install(server)`` creates the ``Acl`` state (``server.extensions["acl"]``), loads the
``user`` lines of the config file or the ``aclfile`` (Redis's startup rules: not both),
and hooks into the server:

* ``authenticate`` (AUTH / HELLO AUTH), ``default_user_nopass`` (AUTH <password>),
  ``acl_user_exists`` (CLIENT KILL USER), ``acl_describe_users`` (CONFIG REWRITE),
  ``client_user_changed`` (RESET) and ``client_created`` (new connections: the ACL bit),
* ``server.auth_required``: a new connection starts authenticated when the default
  user is on and nopass (Redis's ``authRequired``),
* the ``requirepass`` directive's apply hook (``ACLUpdateDefaultUserPassword``).

Cost: a client whose user may run everything (every command, key and channel, which
is the default user's state) never sees the ACL: its ``Gate.ACL`` bit is clear and the
dispatch fast path is unchanged.  Only clients of restricted users carry the bit; for
them the gate tests one bit of the selector's command bitmap and, for commands with
keys or channels, runs the precompiled patterns.
"""

from __future__ import annotations

from typing import Any

from ...commands import keys as keys_mod
from ...engine.client import Gate
from ...protocol.errors import CommandError
from .log import AclLog
from .selectors import DENIED_AUTH, DENIED_CHANNEL, DENIED_CMD, DENIED_KEY, NOT_HANDLED, OK
from .users import User, Users

ACL_BIT = Gate.ACL

WRONGPASS = CommandError(b"WRONGPASS invalid username-password pair or user is disabled.")

# Commands whose arguments name pub/sub channels: name -> (first arg, only one?, pattern?)
CHANNEL_ARGS: dict[bytes, tuple[int, bool, bool]] = {
    b"publish": (1, True, False),
    b"spublish": (1, True, False),
    b"subscribe": (1, False, False),
    b"ssubscribe": (1, False, False),
    b"psubscribe": (1, False, True),
}


def command_channels(spec: Any, argv: list[bytes]) -> list[tuple[int, bool]] | None:
    """``getChannelsFromCommand`` restricted to publish/subscribe (what ACL checks)."""
    if spec.parent is not None:
        return None
    info = CHANNEL_ARGS.get(spec.name)
    if info is None:
        return None
    first, single, pattern = info
    last = first + 1 if single else len(argv)
    return [(i, pattern) for i in range(first, min(last, len(argv)))]


class Acl:
    def __init__(self, server: Any) -> None:
        self.server = server
        self.users = Users(server.config["acl-pubsub-default"] == "allchannels")
        self.log = AclLog()

    # ---- clients ----------------------------------------------------------------------

    def user_of(self, c: Any) -> User:
        u = self.users.get(c.user)
        return u if u is not None else self.users.default

    def refresh_client(self, c: Any) -> None:
        """Set or clear the client's ACL gate bit from its user's permissions."""
        u = self.users.get(c.user)
        if u is None or u.unrestricted:
            c.gate &= ~ACL_BIT
        else:
            c.gate |= ACL_BIT

    def refresh_user_clients(self, name: bytes) -> None:
        for c in list(self.server.clients.values()):
            if c.user == name:
                self.refresh_client(c)

    def auth_required(self) -> bool:
        d = self.users.default
        return not d.nopass or not d.enabled

    def kill_user_clients(self, name: bytes, current: Any) -> None:
        """``ACLFreeUserAndKillClients``: the deleted user's connections are closed (the
        current client after its reply)."""
        for c in list(self.server.clients.values()):
            if c.user != name or not c.authenticated:
                continue
            if c is current:
                c.close_after_reply = True
            else:
                self.server.clients.pop(c.id, None)
                c.close()

    def kill_revoked_subscribers(self, user: User, current: Any) -> None:
        """``ACLKillPubsubClientsIfNeeded``: close the user's clients subscribed to a
        channel or pattern its new rules no longer allow."""
        for c in list(self.server.clients.values()):
            if c.user != user.name:
                continue
            if not (c.subscriptions or c.psubscriptions or c.ssubscriptions):
                continue
            ok = (all(user.can_access_channel(ch, False) for ch in c.subscriptions)
                  and all(user.can_access_channel(ch, False) for ch in c.ssubscriptions)
                  and all(user.can_access_channel(p, True) for p in c.psubscriptions))
            if ok:
                continue
            if c is current:
                c.close_after_reply = True
            else:
                self.server.clients.pop(c.id, None)
                c.close()

    # ---- authentication ---------------------------------------------------------------

    def authenticate(self, c: Any, username: bytes, password: bytes, argv0: bytes = b"auth") -> None:
        """AUTH / HELLO AUTH: switch the client to ``username`` or raise WRONGPASS (and
        log the failure)."""
        u = self.users.get(username)
        if u is not None and u.check_password(password):
            c.authenticated = True
            c.user = u.name
            c.gate &= ~Gate.NOAUTH
            self.refresh_client(c)
            return
        self.add_log(c, DENIED_AUTH, argv0, username)
        raise WRONGPASS

    # ---- command checks ---------------------------------------------------------------

    def check(self, c: Any, spec: Any, argv: list[bytes], context: bytes | None = None) -> CommandError | None:
        """The NOPERM error for running ``argv`` as ``c``'s user (logged), or None."""
        u = self.users.get(c.user)
        if u is None:
            return None
        # check_user, inlined: this runs for every command of a restricted client
        sels = u.selectors
        if len(sels) == 1 and spec.key_range is not None and spec.name not in CHANNEL_ARGS:
            result, pos = sels[0].check_range(spec, argv)
        else:
            result = NOT_HANDLED
        if result == NOT_HANDLED:
            keys = keys_mod.get_keys(spec, argv) if spec.has_keys else None
            channels = command_channels(spec, argv) if spec.name in CHANNEL_ARGS else None
            if len(sels) == 1:
                result, pos = sels[0].check(spec, argv, keys, channels)
            else:
                result, pos = u.check(spec, argv, keys, channels)
        if result == OK:
            return None
        if context is None:
            context = b"multi" if c.gate & Gate.MULTI else b"toplevel"
        obj = spec.fullname if result == DENIED_CMD else argv[pos]
        self.add_log(c, result, obj, u.name, context)
        return CommandError(b"NOPERM " + error_message(result, u, spec, argv[pos], False))

    def exec_check(self, c: Any, spec: Any, argv: list[bytes]) -> CommandError | None:
        """EXEC re-checks each queued command (the rules may have changed since it was
        queued): Redis 7.2's execCommand error, logged with the ``multi`` context.
        For engine/multi.py's ``run_queue``: reply this error instead of running."""
        u = self.users.get(c.user)
        if u is None or u.unrestricted:
            return None
        result, pos = self.check_user(u, spec, argv)
        if result == OK:
            return None
        obj = spec.fullname if result == DENIED_CMD else argv[pos]
        self.add_log(c, result, obj, u.name, b"multi")
        return CommandError(b"NOPERM ACLs rules changed between the moment the transaction was accumulated "
                            b"and the EXEC call. This command is no longer allowed for the following reason: "
                            + EXEC_REASONS.get(result, b"no permission"))

    def check_user(self, u: User, spec: Any, argv: list[bytes]) -> tuple[int, int]:
        keys = keys_mod.get_keys(spec, argv) if spec.has_keys else None
        channels = command_channels(spec, argv)
        return u.check(spec, argv, keys, channels)

    def check_channel(self, c: Any, channel: bytes, is_pattern: bool) -> bool:
        u = self.users.get(c.user)
        return u is None or u.can_access_channel(channel, is_pattern)

    # ---- log --------------------------------------------------------------------------

    def add_log(self, c: Any, reason: int, obj: bytes, username: bytes, context: bytes | None = None) -> None:
        server = self.server
        stats = server.stats
        if reason == DENIED_AUTH:
            stats.acl_access_denied_auth += 1
        elif reason == DENIED_CMD:
            stats.acl_access_denied_cmd += 1
        elif reason == DENIED_KEY:
            stats.acl_access_denied_key += 1
        elif reason == DENIED_CHANNEL:
            stats.acl_access_denied_channel += 1
        if context is None:
            context = b"multi" if c.gate & Gate.MULTI else b"toplevel"
        from ...commands.client import client_info_line  # noqa: PLC0415

        try:
            cinfo = client_info_line(c, server.cached_now_ms)
        except Exception:  # noqa: BLE001  (a partial client never blocks logging)
            cinfo = b"id=%d" % c.id
        self.log.add(reason, context, obj, username, server.cached_now_ms, cinfo,
                     server.config["acllog-max-len"])

    # ---- description ------------------------------------------------------------------

    def describe_lines(self) -> list[str]:
        return [("user %s %s" % (n.decode("utf-8", "surrogateescape"),
                                 self.users.users[n].describe().decode("utf-8", "surrogateescape")))
                for n in self.users.names()]


EXEC_REASONS = {
    DENIED_CMD: b"no permission to execute the command or subcommand",
    DENIED_KEY: b"no permission to touch the specified keys",
    DENIED_CHANNEL: b"no permission to access one of the channels used as arguments",
}


def error_message(result: int, u: User, spec: Any, value: bytes, verbose: bool) -> bytes:
    """``getAclErrorMessage``."""
    if result == DENIED_CMD:
        return b"User %s has no permissions to run the '%s' command" % (u.name, spec.fullname)
    if result == DENIED_KEY:
        if verbose:
            return b"User %s has no permissions to access the '%s' key" % (u.name, value)
        return b"No permissions to access a key"
    if verbose:
        return b"User %s has no permissions to access the '%s' channel" % (u.name, value)
    return b"No permissions to access a channel"


def get_acl(server: Any) -> Acl:
    acl = server.extensions.get("acl")
    if acl is None:
        acl = server.extensions["acl"] = Acl(server)
    return acl


def check_channel(c: Any, channel: bytes, is_pattern: bool) -> bool:
    """For pub/sub: may ``c``'s user subscribe/publish to ``channel`` (a pattern
    subscription needs that exact pattern among the user's channel rules)?"""
    acl = c.server.extensions.get("acl")
    return acl is None or acl.check_channel(c, channel, is_pattern)


def install(server: Any) -> str | None:
    """Set up ACL for a new server; returns an error to abort startup with, or None."""
    from .acl_file import load_configured_users, load_file  # noqa: PLC0415

    acl = get_acl(server)
    config = server.config
    ext = server.extensions
    ext["authenticate"] = acl.authenticate
    ext["acl_user_exists"] = lambda name: name in acl.users.users
    ext["acl_describe_users"] = acl.describe_lines
    ext["default_user_nopass"] = lambda: acl.users.default.nopass
    ext.setdefault("client_user_changed", []).append(acl.refresh_client)
    ext.setdefault("client_created", []).append(acl.refresh_client)
    # Redis's authRequired() looks at the default user, not at requirepass.
    server.auth_required = acl.auth_required
    if config["requirepass"]:
        update_default_password(acl, config["requirepass"])
    if config["aclfile"] and config.users:
        return ("Configuring Redis with users defined in redis.conf and at the same setting an ACL file "
                "path is invalid. This setup is very likely to lead to configuration errors and security "
                "holes, please define either an ACL file or declare users directly in your redis.conf, "
                "but not both.")
    err = load_configured_users(acl, config.users)
    if err is not None:
        return err
    if config["aclfile"]:
        err = load_file(acl, config["aclfile"], None)
        if err is not None:
            return "Aborting Redis startup because of ACL errors: " + err
    return None


def update_default_password(acl: Acl, password: str) -> None:
    """``ACLUpdateDefaultUserPassword``: requirepass becomes the default user's only
    password (an empty one makes it nopass)."""
    d = acl.users.default
    d.apply(b"resetpass", acl.users.allchannels_default)
    if password:
        d.apply(b">" + password.encode("utf-8", "surrogateescape"), acl.users.allchannels_default)
    else:
        d.apply(b"nopass", acl.users.allchannels_default)


def _apply_requirepass(server: Any, config: Any) -> None:
    acl = server.extensions.get("acl")
    if acl is not None:
        update_default_password(acl, config["requirepass"])


def _apply_pubsub_default(server: Any, config: Any) -> None:
    """acl-pubsub-default: the channel rule new users (and ``reset``) start from."""
    acl = server.extensions.get("acl")
    if acl is not None:
        acl.users.allchannels_default = config["acl-pubsub-default"] == "allchannels"


def _register_config_hook() -> None:
    from ...config.schema import DIRECTIVES  # noqa: PLC0415

    DIRECTIVES["requirepass"].apply = _apply_requirepass
    DIRECTIVES["acl-pubsub-default"].apply = _apply_pubsub_default


_register_config_hook()


def _acl_gate(c: Any, spec: Any, argv: list[bytes]) -> Any:
    """The dispatch gate (after auth and the MULTI refusals, as in processCommand)."""
    if not c.gate & ACL_BIT:
        return None
    acl = c.server.extensions.get("acl")
    if acl is None:
        return None
    error = acl.check(c, spec, argv)
    if error is not None:
        raise error
    return None


def _register_gate() -> None:
    from ...engine.dispatch import GATE_ORDER, register_gate  # noqa: PLC0415

    register_gate(GATE_ORDER["acl"], "acl", _acl_gate, client_bits=ACL_BIT)


_register_gate()
