"""The server's state and the command pipeline (no sockets here: see ``net``)."""
