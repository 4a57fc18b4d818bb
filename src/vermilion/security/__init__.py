"""Security: ACL, protected mode and TLS.

Importing the package marks the directives these modules act on as active (no
"accepted but not acted on" warning at startup): the ACL log and pub/sub default
(``acl/state.py``), protected mode (``protected.py``) and TLS (``tls.py``; the
replication link reads ``tls-replication``).
"""

from __future__ import annotations

ACTIVE_DIRECTIVES = (
    "acllog-max-len", "acl-pubsub-default", "protected-mode",
    "tls-port", "tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-client-cert-file",
    "tls-client-key-file", "tls-client-key-file-pass", "tls-dh-params-file", "tls-ca-cert-file",
    "tls-ca-cert-dir", "tls-protocols", "tls-ciphers", "tls-auth-clients", "tls-replication",
    "tls-prefer-server-ciphers", "tls-session-caching",
)


def _mark_active() -> None:
    from ..config.schema import DIRECTIVES  # noqa: PLC0415

    for name in ACTIVE_DIRECTIVES:
        DIRECTIVES[name].active = True


_mark_active()
