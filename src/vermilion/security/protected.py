"""Protected mode (Redis 7.2's ``clientAcceptHandler``).

While ``protected-mode`` is yes and the default user is nopass (no password set), only
local connections are served: loopback TCP (127.0.0.0/8, ::1, IPv4-mapped loopback)
and unix sockets.  Any other connection gets the ``-DENIED`` text below and is closed,
and ``rejected_connections`` counts it.  Redis 7 no longer looks at ``bind`` here: the
rule is only protected-mode plus the default user's nopass flag.
"""

from __future__ import annotations

import ipaddress
from typing import Any

DENIED = (
    b"-DENIED Redis is running in protected mode because protected mode is enabled and no password is "
    b"set for the default user. In this mode connections are only accepted from the loopback interface. "
    b"If you want to connect from external computers to Redis you may adopt one of the following "
    b"solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from "
    b"the loopback interface by connecting to Redis from the same host the server is running, however "
    b"MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make "
    b"this change permanent. 2) Alternatively you can just disable the protected mode by editing the "
    b"Redis configuration file, and setting the protected mode option to 'no', and then restarting the "
    b"server. 3) If you started the server manually just for testing, restart it with the "
    b"'--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: "
    b"You only need to do one of the above things in order for the server to start accepting "
    b"connections from the outside.\r\n"
)


def is_local(host: str | None, unix: bool) -> bool:
    """``connIsLocal``: a unix socket, or a loopback peer address."""
    if unix:
        return True
    if not host:
        return False
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def default_user_nopass(server: Any) -> bool:
    hook = server.extensions.get("default_user_nopass")
    if hook is not None:
        return bool(hook())
    return not server.config["requirepass"]


def should_deny(server: Any, host: str | None, unix: bool) -> bool:
    """True when a new connection from ``host`` must get ``DENIED`` and be closed."""
    return bool(server.config["protected-mode"]) and default_user_nopass(server) and not is_local(host, unix)
