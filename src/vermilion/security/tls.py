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
