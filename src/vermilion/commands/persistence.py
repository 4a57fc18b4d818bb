"""SAVE, BGSAVE [SCHEDULE], DEBUG RELOAD, and the snapshot fields of INFO persistence
(the work is in persistence/saver.py)."""

from __future__ import annotations

from typing import Any

from ..persistence import saver
from ..persistence.rdb.decoder import RdbError
from ..protocol.errors import CommandError, SyntaxErr, err
from ..protocol.reply import OK, Simple
from . import info
from .registry import command
from .server_cmds import debug_subcommand
from .spec import arg

IN_PROGRESS = "Background save already in progress"


def _plain_err() -> CommandError:
    return CommandError(b"ERR")  # shared.err: the reason is in the log


@command("save", arity=1, flags="admin noscript no_async_loading no_multi", group="server", since="1.0.0",
         summary="Synchronously saves the database(s) to disk.",
         complexity="O(N) where N is the total number of keys in all databases")
def cmd_save(c: Any, argv: list[bytes]) -> Any:
    server = c.server
    if saver.in_progress(server):
        raise err(IN_PROGRESS)
    saver.state(server).saves += 1
    if not saver.save(server):
        raise _plain_err()
    return OK


@command("bgsave", arity=-1, flags="admin noscript no_async_loading", group="server", since="1.0.0",
         summary="Asynchronously saves the database(s) to disk.", complexity="O(1)",
         history=(("3.2.2", "Added the `SCHEDULE` option."),),
         args=(arg("schedule", "pure-token", token="SCHEDULE", since="3.2.2", flags=("optional",)),))
def cmd_bgsave(c: Any, argv: list[bytes]) -> Any:
    if len(argv) > 1 and (len(argv) != 2 or argv[1].lower() != b"schedule"):
        raise SyntaxErr()
    server = c.server
    if saver.in_progress(server):
        raise err(IN_PROGRESS)
    if saver.other_child_active(server) and len(argv) == 1 and not c.deny_blocking:
        raise err("Another child process is active (AOF?): can't BGSAVE right now. "
                  "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
    if c.deny_blocking or saver.other_child_active(server):
        # Inside EXEC (server.in_exec): the fork waits for the cron, as Redis does.
        saver.state(server).bgsave_scheduled = True
        return Simple(b"Background saving scheduled")
    if not saver.bgsave(server):
        raise _plain_err()
    return Simple(b"Background saving started")


@debug_subcommand("reload")
def debug_reload(c: Any, argv: list[bytes]) -> Any:
    """DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty, load the file back."""
    merge = False
    flush = save = True
    for opt in argv[2:]:
        low = opt.lower()
        if low == b"merge":
            merge = True
        elif low == b"noflush":
            flush = False
        elif low == b"nosave":
            save = False
        else:
            raise err("DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
    server = c.server
    if save and not saver.save(server):
        raise _plain_err()
    if flush:
        for hook in server.extensions.get("flushdb", ()):
            hook(server, -1)
        for db in server.dbs:
            db.flush()
    filename = server.config.get("dbfilename", "dump.rdb")
    try:
        saver.load_file(server, filename, replace_dup=merge)
    except (RdbError, OSError) as e:
        server.log("warning", "Error loading %s: %s" % (filename, e))
        raise err("Error trying to load the RDB dump, check server logs.") from None
    saver.mark_saved(server)
    server.log("notice", "DB reloaded by DEBUG RELOAD")
    return OK


@debug_subcommand("set-skip-checksum-validation")
def debug_set_skip_checksum_validation(c: Any, argv: list[bytes]) -> Any:
    """Skip the CRC64 check of RESTORE payloads and loaded files (atoi semantics)."""
    if len(argv) != 3:
        raise CommandError(b"ERR unknown subcommand or wrong number of arguments for '%s'. Try DEBUG HELP."
                           % argv[1])
    try:
        flag = int(argv[2])
    except ValueError:
        flag = 0
    c.server.extensions["skip_checksum_validation"] = bool(flag)
    return OK


_base_persistence = info.SECTION_PROVIDERS["persistence"]


def _persistence_fields(server: Any) -> Any:
    return saver.persistence_info(server, _base_persistence(server))


info.SECTION_PROVIDERS["persistence"] = _persistence_fields
