"""TLS for client connections (Redis's tls.c, with Python's ssl module).

``build_context(config)`` turns the ``tls-*`` directives into a server
``ssl.SSLContext``, or raises ``TlsConfigError`` with Redis's log text:

* ``tls-cert-file`` / ``tls-key-file`` (``tls-key-file-pass`` for an encrypted key) are
  the server's certificate and key;
* ``tls-ca-cert-file`` / ``tls-ca-cert-dir`` verify client certificates and are
  required unless ``tls-auth-clients`` is ``no`` (Redis's check);
* ``tls-auth-clients``: ``yes`` requires a client certificate, ``optional`` verifies
  one when sent, ``no`` never asks;
* ``tls-protocols`` ("TLSv1.2 TLSv1.3"; default both) bounds the protocol versions,
  ``tls-ciphers`` is the TLSv1.2 cipher list, ``tls-prefer-server-ciphers`` the
  server-preference option, ``tls-dh-params-file`` DH parameters,
  ``tls-session-caching no`` turns tickets off.  ``tls-ciphersuites`` (the TLSv1.3
  list) cannot be set through Python's ssl module: a non-default value is logged and
  ignored.

``tls-replication`` and ``tls-cluster`` are read by the replication and cluster links
(``client_context`` gives them a client context from the same directives, with
``tls-client-cert-file``/``tls-client-key-file`` when set).
"""

from __future__ import annotations

import ssl
from typing import Any

PROTOCOLS = {"tlsv1": ssl.TLSVersion.TLSv1, "tlsv1.1": ssl.TLSVersion.TLSv1_1,
             "tlsv1.2": ssl.TLSVersion.TLSv1_2, "tlsv1.3": ssl.TLSVersion.TLSv1_3}


class TlsConfigError(Exception):
    pass


def _protocol_bounds(spec: str) -> tuple[ssl.TLSVersion, ssl.TLSVersion]:
    if not spec.strip():
        return ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3
    versions = []
    for word in spec.split():
        v = PROTOCOLS.get(word.lower())
        if v is None:
            raise TlsConfigError(f"Invalid tls-protocols specified. Use a combination of 'TLSv1', "
                                 f"'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.")
        versions.append(v)
    return min(versions), max(versions)


def _load_identity(ctx: ssl.SSLContext, cert: str, key: str, password: str) -> None:
    try:
        ctx.load_cert_chain(cert, key, password or None)
    except (ssl.SSLError, OSError) as e:
        raise TlsConfigError(f"Failed to load certificate: {cert}: {e}") from None


def _load_ca(ctx: ssl.SSLContext, cafile: str, capath: str) -> None:
    try:
        ctx.load_verify_locations(cafile or None, capath or None)
    except (ssl.SSLError, OSError) as e:
        raise TlsConfigError(f"Failed to configure CA certificate(s) file/directory: {e}") from None


def build_context(config: Any, log: Any = None) -> ssl.SSLContext:
    """The server context for the TLS listener, from the current config."""
    cert, key = config["tls-cert-file"], config["tls-key-file"]
    if not cert:
        raise TlsConfigError("No tls-cert-file configured!")
    if not key:
        raise TlsConfigError("No tls-key-file configured!")
    cafile, capath = config["tls-ca-cert-file"], config["tls-ca-cert-dir"]
    auth = config["tls-auth-clients"]
    if auth != "no" and not cafile and not capath:
        raise TlsConfigError("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when "
                             "tls-cluster, tls-replication or tls-auth-clients are enabled!")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version, ctx.maximum_version = _protocol_bounds(config["tls-protocols"])
    _load_identity(ctx, cert, key, config["tls-key-file-pass"])
    if cafile or capath:
        _load_ca(ctx, cafile, capath)
    ctx.verify_mode = {"yes": ssl.CERT_REQUIRED, "optional": ssl.CERT_OPTIONAL}.get(auth, ssl.CERT_NONE)
    if config["tls-ciphers"]:
        try:
            ctx.set_ciphers(config["tls-ciphers"])
        except ssl.SSLError:
            raise TlsConfigError(f"Failed to configure ciphers: {config['tls-ciphers']}") from None
    if config["tls-prefer-server-ciphers"]:
        ctx.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    if not config["tls-session-caching"]:
        ctx.options |= ssl.OP_NO_TICKET
    if config["tls-dh-params-file"]:
        try:
            ctx.load_dh_params(config["tls-dh-params-file"])
        except (ssl.SSLError, OSError) as e:
            raise TlsConfigError(f"Failed to load {config['tls-dh-params-file']}: {e}") from None
    if config["tls-ciphersuites"] and log is not None:
        log("warning", "tls-ciphersuites is not supported by this build and is ignored")
    return ctx


def client_context(config: Any) -> ssl.SSLContext:
    """A client context (replication and cluster links) from the same directives."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.minimum_version, ctx.maximum_version = _protocol_bounds(config["tls-protocols"])
    cert = config["tls-client-cert-file"] or config["tls-cert-file"]
    key = config["tls-client-key-file"] or config["tls-key-file"]
    password = config["tls-client-key-file-pass"] if config["tls-client-cert-file"] else config["tls-key-file-pass"]
    if cert and key:
        _load_identity(ctx, cert, key, password)
    cafile, capath = config["tls-ca-cert-file"], config["tls-ca-cert-dir"]
    if cafile or capath:
        _load_ca(ctx, cafile, capath)
        ctx.verify_mode = ssl.CERT_REQUIRED
    else:
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def tls_enabled(config: Any) -> bool:
    return bool(config["tls-port"])


# ---- CONFIG SET ------------------------------------------------------------------------

UPDATE_FAILED = "Unable to update TLS configuration. Check server logs."
TLS_DIRECTIVES = ("tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-ca-cert-file", "tls-ca-cert-dir",
                  "tls-auth-clients", "tls-protocols", "tls-ciphers", "tls-ciphersuites",
                  "tls-prefer-server-ciphers", "tls-session-caching", "tls-dh-params-file")


def apply_tls_config(server: Any, config: Any) -> None:
    """CONFIG SET of a tls-* directive (Redis's applyTLSConfig): the new settings are
    validated by building a fresh context, then copied into the live one, so new
    connections use them and open ones are untouched.  (CA certificates can be added
    to a live context but not removed.)"""
    from ..config.schema import ConfigValueError  # noqa: PLC0415

    if not config["tls-port"] and not config["tls-replication"] and not config["tls-cluster"]:
        return
    try:
        fresh = build_context(config, server.log)
    except TlsConfigError as e:
        server.log("warning", str(e))
        raise ConfigValueError(UPDATE_FAILED) from None
    live = server.extensions.get("tls_context")
    if live is None:
        server.extensions["tls_context"] = fresh
        return
    _load_identity(live, config["tls-cert-file"], config["tls-key-file"], config["tls-key-file-pass"])
    if config["tls-ca-cert-file"] or config["tls-ca-cert-dir"]:
        _load_ca(live, config["tls-ca-cert-file"], config["tls-ca-cert-dir"])
    live.minimum_version, live.maximum_version = fresh.minimum_version, fresh.maximum_version
    live.verify_mode = fresh.verify_mode
    live.options = fresh.options
    if config["tls-ciphers"]:
        live.set_ciphers(config["tls-ciphers"])


def apply_tls_port(server: Any, config: Any) -> None:
    """CONFIG SET tls-port: listen on the new port (0 closes the TLS listeners)."""
    import socket  # noqa: PLC0415

    from ..config.schema import ConfigValueError  # noqa: PLC0415
    from ..net.listener import bind_addresses  # noqa: PLC0415

    loop = getattr(server, "loop", None)
    if loop is None:
        return
    port = config["tls-port"]
    socks: list[socket.socket] = []
    ctx = server.extensions.get("tls_context")
    if port:
        try:
            if ctx is None:
                ctx = build_context(config, server.log)
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
                except OSError:
                    sock.close()
                    if optional:
                        continue
                    raise
                socks.append(sock)
        except (OSError, TlsConfigError) as e:
            for s in socks:
                s.close()
            server.log("warning", f"Failed to listen on port {port} (tls): {e}")
            raise ConfigValueError("Unable to listen on this port. Check server logs.") from None
    old = server.extensions.get("tls_listeners", [])
    for srv in old:
        srv.close()
        if srv in server.listeners:
            server.listeners.remove(srv)
    server.extensions["tls_listeners"] = []
    server.extensions["tls_context"] = ctx
    from ..net.connection import RespConnection  # noqa: PLC0415

    async def serve(sock: socket.socket) -> None:
        srv = await loop.create_server(lambda: RespConnection(server), sock=sock, ssl=ctx,
                                       backlog=config["tcp-backlog"])
        server.listeners.append(srv)
        server.extensions["tls_listeners"].append(srv)

    for sock in socks:
        loop.create_task(serve(sock))


def _register_config_hooks() -> None:
    from ..config.schema import DIRECTIVES  # noqa: PLC0415

    for name in TLS_DIRECTIVES:
        if DIRECTIVES[name].apply is None:
            DIRECTIVES[name].apply = apply_tls_config
    if DIRECTIVES["tls-port"].apply is None:
        DIRECTIVES["tls-port"].apply = apply_tls_port


_register_config_hooks()
