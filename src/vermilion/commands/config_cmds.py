"""CONFIG GET / SET / RESETSTAT / REWRITE / HELP over the declared directives.

CONFIG GET: each argument without ``[*?`` is looked up exactly (case-insensitively,
hidden directives included) and answered under the name as asked; a pattern is matched
(``util.glob``, Redis's ``stringmatch`` with nocase) against every name and alias, hidden ones excepted.  A name
already answered is not repeated.

CONFIG SET is atomic, as in Redis 7.2: every name is checked first (unknown, immutable,
protected, duplicate: the first problem is the error); then every value is parsed and
set, and on the first invalid one the values already set are restored; then the apply
hooks run (each once), and if one fails everything is restored.
"""

from __future__ import annotations

from typing import Any

from ..config.rewrite import rewrite_config
from ..config.schema import DIRECTIVES, NAMES, ConfigValueError
from ..protocol.errors import CommandError
from ..util.glob import compile_glob
from ..protocol.reply import OK, Simple
from .registry import command, container
from .spec import arg

container("config", arity=-2, group="server", since="2.0.0",
          summary="A container for server configuration commands.", complexity="Depends on subcommand.")


def _s(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def _b(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


@command("config|get", arity=-3, flags="admin noscript loading stale", since="2.0.0",
         summary="Returns the effective values of configuration parameters.",
         complexity="O(N) when N is the number of configuration parameters provided",
         history=(("7.0.0", "Added the ability to pass multiple pattern parameters in one call"),),
         args=(arg("parameter", "string", flags=("multiple",)),))
def cmd_config_get(c: Any, argv: list[bytes]) -> Any:
    config = c.server.config
    matches: dict[bytes, bytes] = {}  # name as answered -> value
    seen: set[bytes] = set()  # lower-cased names already answered
    for pattern in argv[2:]:
        if not any(ch in pattern for ch in b"[*?"):
            low = pattern.lower()
            if low in seen:
                continue
            d = NAMES.get(_s(low))
            if d is not None:
                seen.add(low)
                matches[pattern] = _b(d.render(config.values[d.name]))
            continue
        match = compile_glob(pattern, True)
        for name, d in NAMES.items():
            if d.hidden:
                continue
            bname = _b(name)
            if bname in seen or not match(bname):
                continue
            seen.add(bname)
            matches[bname] = _b(d.render(config.values[d.name]))
    return matches


def _is_local(c: Any) -> bool:
    if getattr(c, "unixsocket", False):
        return True
    host = (c.addr or "").rsplit(":", 1)[0]
    return host in ("127.0.0.1", "::1", "[::1]") or host.startswith("127.")


def _protected_allowed(c: Any) -> bool:
    mode = c.server.config["enable-protected-configs"]
    return mode == "yes" or (mode == "local" and _is_local(c))


@command("config|set", arity=-4, flags="admin noscript loading stale", since="2.0.0",
         summary="Sets configuration parameters in-flight.",
         complexity="O(N) when N is the number of configuration parameters provided",
         tips=("request_policy:all_nodes", "response_policy:all_succeeded"),
         history=(("7.0.0", "Added the ability to set multiple parameters in one call."),),
         args=(arg("data", "block", flags=("multiple",), arguments=(
             arg("parameter", "string"), arg("value", "string"))),))
def cmd_config_set(c: Any, argv: list[bytes]) -> Any:
    if len(argv) & 1:
        raise CommandError(b"ERR syntax error")
    server = c.server
    config = server.config
    chosen: list[Any] = []
    reg_names: list[str] = []  # the registered name (alias or canonical) each was set by
    new_raw: list[str] = []
    unknown: bytes | None = None
    err_name: bytes | None = None
    errstr: str | None = None
    for i in range(2, len(argv), 2):
        name = argv[i]
        d = NAMES.get(_s(name.lower()))
        if d is None:
            if unknown is None and err_name is None:
                unknown = name
            continue
        if unknown is not None or err_name is not None:
            continue
        if not d.mutable or (d.protected and not _protected_allowed(c)):
            errstr = "can't set immutable config" if not d.mutable else "can't set protected config"
            err_name = name
            continue
        reg = _s(name.lower())
        if reg in reg_names:  # an alias and its canonical name are not duplicates
            errstr, err_name = "duplicate parameter", name
            continue
        chosen.append(d)
        reg_names.append(reg)
        new_raw.append(_s(argv[i + 1]))
    if unknown is not None:
        raise CommandError(b"ERR Unknown option or number of arguments for CONFIG SET - '%s'" % unknown)
    if err_name is not None:
        raise CommandError(b"ERR CONFIG SET failed (possibly related to argument '%s') - %s" % (err_name, _b(errstr or "")))

    # Parse every value first (nothing changes yet), then set them all.
    old = [config.values[d.name] for d in chosen]
    new = []
    for d, raw, answered in zip(chosen, new_raw, reg_names):
        words = raw.split(" ") if d.multi_arg else [raw]
        if d.multi_arg and raw == "":
            words = []
        try:
            new.append(d.parse(words, config))
        except ConfigValueError as e:
            _restore(config, chosen, old)
            raise CommandError(b"ERR CONFIG SET failed (possibly related to argument '%s') - %s"
                               % (_b(answered), _b(str(e)))) from None
    for d, v in zip(chosen, new):
        config.values[d.name] = v
    applied: list[Any] = []
    for d, answered, before, after in zip(chosen, reg_names, old, new):
        if d.apply is None or d.apply in applied or before == after:
            continue  # as Redis: apply only what changed, each hook once
        applied.append(d.apply)
        try:
            d.apply(server, config)
        except ConfigValueError as e:
            server.log("warning", f"Failed applying new configuration. Possibly related to new {answered} "
                                  "setting. Restoring previous settings.")
            _restore(config, chosen, old)
            for fn in applied:
                try:
                    fn(server, config)
                except ConfigValueError:
                    pass
            raise CommandError(b"ERR CONFIG SET failed (possibly related to argument '%s') - %s"
                               % (_b(answered), _b(str(e)))) from None
    return OK


def _restore(config: Any, chosen: list[Any], old: list[Any]) -> None:
    for d, v in zip(chosen, old):
        if d.name == "dir":
            try:
                d.parse([v], config)
            except ConfigValueError:
                pass
        config.values[d.name] = v


@command("config|resetstat", arity=2, flags="admin noscript loading stale", since="2.0.0",
         summary="Resets the server's statistics.", complexity="O(1)")
def cmd_config_resetstat(c: Any, argv: list[bytes]) -> Any:
    from .registry import COMMANDS

    server = c.server
    server.stats.reset()
    for spec in COMMANDS.values():
        for s in spec.all_specs():
            st = s.stats
            st.calls = st.usec = st.rejected_calls = st.failed_calls = 0
    for hook in server.extensions.get("resetstat_hooks", ()):
        hook(server)
    return OK


@command("config|rewrite", arity=2, flags="admin noscript loading stale", since="2.8.0",
         summary="Persists the effective configuration to file.", complexity="O(1)")
def cmd_config_rewrite(c: Any, argv: list[bytes]) -> Any:
    server = c.server
    if server.config.file is None:
        raise CommandError(b"ERR The server is running without a config file")
    try:
        rewrite_config(server.config, server)
    except OSError as e:
        server.log("warning", f"CONFIG REWRITE failed: {e.strerror}")
        raise CommandError(b"ERR Rewriting config file: %s" % _b(e.strerror or str(e))) from None
    server.log("warning", "CONFIG REWRITE executed with success.")
    return OK


CONFIG_HELP = (
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
    "HELP",
    "    Prints this help.",
)
_HELP_REPLY = [Simple(b"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")] + [
    Simple(line.encode()) for line in CONFIG_HELP]


@command("config|help", arity=2, flags="loading stale", since="5.0.0",
         summary="Returns helpful text about the different subcommands.", complexity="O(1)")
def cmd_config_help(c: Any, argv: list[bytes]) -> Any:
    return list(_HELP_REPLY)


def active_directive_warnings(config: Any) -> list[str]:
    """Startup warnings for directives a file or the command line set that Vermilion
    accepts but does not act on yet (one per directive)."""
    return [f"Config directive '{name}' is accepted but not acted on by Vermilion yet"
            for name in config.user_set if not DIRECTIVES[name].active]

