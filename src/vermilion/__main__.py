"""``vermilion-server [config-file] [--directive value ...]``: the redis-server command line."""

from __future__ import annotations

import asyncio
import os
import sys

from . import REDIS_VERSION, __version__

USAGE = """Usage: ./vermilion-server [/path/to/redis.conf] [options] [-]
       ./vermilion-server - (read config from stdin)
       ./vermilion-server -v or --version
       ./vermilion-server -h or --help

Examples:
       ./vermilion-server (run the server with default conf)
       ./vermilion-server /etc/redis/6379.conf
       ./vermilion-server --port 7777
       ./vermilion-server --port 7777 --replicaof 127.0.0.1 8888
       ./vermilion-server /etc/myredis.conf --loglevel verbose -
"""


def version_line() -> str:
    return f"Redis server v={REDIS_VERSION} sha=00000000:0 malloc=libc bits=64 build=vermilion-{__version__}"


def build_config(argv: list[str]):  # -> Config
    from .config.conf_file import command_line_to_text, load_text
    from .config.schema import Config

    config = Config()
    args = list(argv)
    text = ""
    if args and not args[0].startswith("--") and args[0] != "-":
        path = os.path.abspath(args.pop(0))
        with open(path) as f:
            text = f.read()
        config.file = path
    read_stdin = False
    if args and args[-1] == "-":
        args.pop()
        read_stdin = True
    text += "\n" + command_line_to_text(args)
    if read_stdin:
        text += "\n" + sys.stdin.read()
    load_text(config, text, os.path.dirname(config.file or "."))
    return config


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-v", "--version"):
        print(version_line())
        return 0
    if argv and argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    from .config.conf_file import ConfigFileError

    try:
        config = build_config(argv)
    except ConfigFileError as e:
        sys.stderr.write(e.render(REDIS_VERSION))
        return 1
    except OSError as e:
        sys.stderr.write(f"Fatal error, can't open config file '{e.filename}': {e.strerror}\n")
        return 1
    from . import commands  # noqa: F401  (registers and freezes the command table)
    from .engine.server import Server
    from .net.listener import serve

    server = Server(config)
    server.log("notice", "oO0OoO0OoO0Oo Vermilion is starting oO0OoO0OoO0Oo")
    server.log("notice", f"Vermilion version={__version__}, redis_version={REDIS_VERSION}, bits=64, pid={os.getpid()}, just started")
    server.log("notice", f"Running mode=standalone, port={config['port']}.")
    server.log("notice", f"Server initialized (PID: {os.getpid()})")
    try:
        import uvloop

        return uvloop.run(serve(server))
    except ImportError:
        return asyncio.run(serve(server))


if __name__ == "__main__":
    sys.exit(main())
