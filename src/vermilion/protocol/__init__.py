"""Sans-I/O RESP protocol: request parsing, reply values, encoding. No sockets, no server state."""
