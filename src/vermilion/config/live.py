"""Apply hooks that change the running server when CONFIG SET changes ``port`` or ``bind``
(Redis's ``updatePort`` / ``applyBind``), or ``maxclients`` (the open-files limit).

The new TCP sockets are bound first, synchronously, so a failure leaves the old
listeners untouched and CONFIG SET restores the old value; only then are the old TCP
listeners closed and the new sockets handed to the event loop.  Unix-socket listeners are
not touched.  Before the server is serving (no loop yet) nothing needs to be done: the
listener reads the config when it starts.
"""

from __future__ import annotations

import socket
from typing import Any

from .schema import DIRECTIVES, ConfigValueError


def _bind_all(config: Any) -> list[socket.socket]:
    from ..net.listener import bind_addresses

    socks: list[socket.socket] = []
    port = config["port"]
    if not port:
        return socks
    try:
        for host, optional in bind_addresses(config["bind"]):
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind((host, port))
                sock.listen(config["tcp-backlog"])
                sock.setblocking(False)
            except (OSError, ValueError, UnicodeError, OverflowError) as e:
                sock.close()
                if optional and isinstance(e, OSError) and e.errno in (97, 99, 22, 93):  # EAFNOSUPPORT, EADDRNOTAVAIL...
                    continue
                raise
            socks.append(sock)
    except (OSError, ValueError, UnicodeError, OverflowError):
        for s in socks:
            s.close()
        raise
    return socks


def _relisten(server: Any, config: Any, what: str, error: str) -> None:
    loop = getattr(server, "loop", None)
    if loop is None:
        return
    try:
        socks = _bind_all(config)
    except (OSError, ValueError, UnicodeError, OverflowError) as e:
        server.log("warning", f"Failed to {what}: {getattr(e, 'strerror', None) or e}")
        raise ConfigValueError(error) from None
    from ..net.connection import RespConnection

    keep = []
    for srv in server.listeners:
        families = {s.family for s in (srv.sockets or ())}
        if families & {socket.AF_INET, socket.AF_INET6}:
            srv.close()
        else:
            keep.append(srv)
    server.listeners[:] = keep
    server.tcp_port = config["port"]

    async def serve(sock: socket.socket) -> None:
        srv = await loop.create_server(lambda: RespConnection(server), sock=sock, backlog=config["tcp-backlog"])
        server.listeners.append(srv)

    for sock in socks:
        loop.create_task(serve(sock))


def apply_port(server: Any, config: Any) -> None:
    _relisten(server, config, f"listen on port {config['port']}", "Unable to listen on this port. Check server logs.")


def apply_bind(server: Any, config: Any) -> None:
    _relisten(server, config, f"bind to {config['bind']}", "Failed to bind to specified addresses.")


def apply_maxclients(server: Any, config: Any) -> None:
    """``adjustOpenFilesLimit``: raise the soft open-files limit towards maxclients plus
    Redis's 32 reserved descriptors (best effort: never above the hard limit)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = config["maxclients"] + 32
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        if soft != resource.RLIM_INFINITY and soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    except (ImportError, OSError, ValueError) as e:
        server.log("warning", f"Unable to raise the open files limit: {e}")


DIRECTIVES["maxclients"].apply = apply_maxclients
DIRECTIVES["port"].apply = apply_port
DIRECTIVES["bind"].apply = apply_bind
