"""Listening sockets (TCP on every ``bind`` address, and the unix socket), and the
process lifecycle: start, cron timer, signals, graceful shutdown."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from typing import Any

from .connection import RespConnection


def bind_addresses(bind: str) -> list[tuple[str, bool]]:
    """``"* -::*"`` -> ``[("0.0.0.0", False), ("::", True)]`` (a leading ``-`` = optional)."""
    out = []
    for word in bind.split():
        optional = word.startswith("-")
        if optional:
            word = word[1:]
        host = {"*": "0.0.0.0", "::*": "::"}.get(word, word)
        out.append((host, optional))
    return out


async def start_listeners(server: Any) -> bool:
    loop = asyncio.get_running_loop()
    cfg = server.config
    endpoints: list[tuple[int, Any]] = [(cfg["port"], None)]
    from ..security.tls import TlsConfigError, build_context  # noqa: PLC0415  (also: CONFIG SET tls-*)

    if cfg["tls-port"]:
        try:
            endpoints.append((cfg["tls-port"], build_context(cfg, server.log)))
        except TlsConfigError as e:
            server.log("warning", str(e))
            server.log("warning", "Failed to configure TLS. Check logs for more info.")
            return False
    for port, ssl_ctx in endpoints:
        if not port:
            continue
        for host, optional in bind_addresses(cfg["bind"]):
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            try:
                sock = socket.socket(family, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind((host, port))
                sock.listen(cfg["tcp-backlog"])
                sock.setblocking(False)
            except OSError as e:
                sock.close()
                if optional and e.errno in (97, 99, 22, 93):  # EAFNOSUPPORT, EADDRNOTAVAIL...
                    continue
                server.log("warning", f"Warning: Could not create server TCP listening socket {host}:{port}: bind: {e.strerror}")
                server.log("warning", f"Failed listening on port {port} ({'tls' if ssl_ctx else 'tcp'}), aborting.")
                return False
            srv = await loop.create_server(lambda: RespConnection(server), sock=sock, ssl=ssl_ctx,
                                           backlog=cfg["tcp-backlog"])
            server.listeners.append(srv)
            if ssl_ctx is not None:  # CONFIG SET tls-* updates them (security/tls.py)
                server.extensions["tls_context"] = ssl_ctx
                server.extensions.setdefault("tls_listeners", []).append(srv)
    path = cfg["unixsocket"]
    if path:
        try:
            if os.path.exists(path):
                os.unlink(path)
            srv = await loop.create_unix_server(lambda: RespConnection(server, path), path=path,
                                                backlog=cfg["tcp-backlog"])
            if cfg["unixsocketperm"]:
                os.chmod(path, cfg["unixsocketperm"])  # an int (parsed as octal by config)
        except OSError as e:
            server.log("warning", f"Failed opening Unix socket: {e.strerror}")
            return False
        server.listeners.append(srv)
        server.log("notice", f"The server is now ready to accept connections at {path}")
    return True


async def serve(server: Any) -> int:
    loop = asyncio.get_running_loop()
    server.loop = loop
    if not await start_listeners(server):
        return 1
    startup_load = server.extensions.pop("startup_load", None)
    if startup_load is not None:  # persistence/loading.py: -LOADING to clients meanwhile
        code = startup_load(server)
        if code is not None:
            return code
    server.log("notice", "Ready to accept connections tcp")
    done: asyncio.Future = loop.create_future()

    def request_shutdown(code: int = 0) -> None:
        if not done.done():
            done.set_result(code)

    server.request_shutdown = request_shutdown

    def on_signal(name: str) -> None:
        server.log("warning", f"Received {name} scheduling shutdown...")
        request_shutdown(0)

    for sig, name in ((signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "SIGINT")):
        loop.add_signal_handler(sig, on_signal, name)

    def tick() -> None:
        server.cron()
        hz = max(1, min(500, server.config["hz"]))
        server.cron_handle = loop.call_later(1.0 / hz, tick)

    server.cron_handle = loop.call_later(0.1, tick)
    code = await done
    server.cron_handle.cancel()
    for hook in server.shutdown_hooks:
        try:
            hook(server)
        except Exception as e:  # noqa: BLE001
            server.log_exception(e)
    for srv in server.listeners:
        srv.close()
    if server.config["unixsocket"]:
        try:
            os.unlink(server.config["unixsocket"])
        except OSError:
            pass
    server.log("warning", "Redis is now ready to exit, bye bye...")
    sys.stdout.flush()
    return code
