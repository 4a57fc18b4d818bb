"""``vermilion-server [config-file] [--directive value ...] [-]``: the redis-server command line.

As redis-server: ``-v``/``--version`` prints the version line; ``-h``/``--help`` prints
the usage to stderr and exits 1; a first argument not starting with ``-`` is the config
file; ``-`` (first or last) appends stdin to it; ``--name value ...`` options follow, as
config lines.  A bad configuration prints Redis's fatal block and exits 1.
"""

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
       echo 'maxmemory 128mb' | ./vermilion-server -
       ./vermilion-server /etc/redis/6379.conf
       ./vermilion-server --port 7777
       ./vermilion-server --port 7777 --replicaof 127.0.0.1 8888
       ./vermilion-server /etc/myredis.conf --loglevel verbose -
       ./vermilion-server /etc/myredis.conf --loglevel verbose
"""


def version_line() -> str:
    return f"Redis server v={REDIS_VERSION} sha=00000000:0 malloc=libc bits=64 build=vermilion-{__version__}"


def build_config(argv: list[str]):  # -> Config
    from .config.conf_file import build_config as build

    return build(argv)


def _early_log(message: str, level: str = "#") -> None:
    """A log line before the Server exists (Redis marks the role ``C`` then)."""
    import time

    now = time.time()
    stamp = time.strftime("%d %b %Y %H:%M:%S", time.localtime(now)) + ".%03d" % int(now % 1 * 1000)
    sys.stdout.write(f"{os.getpid()}:C {stamp} {level} {message}\n")
    sys.stdout.flush()


def daemonize() -> None:
    """Redis's ``daemonize()``: fork, the parent exits, the child starts a new session
    and points stdin/stdout/stderr at /dev/null."""
    if os.fork() != 0:
        os._exit(0)
    os.setsid()
    fd = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1, 2):
        os.dup2(fd, std)
    if fd > 2:
        os.close(fd)


def write_pidfile(server) -> None:
    """Write the pidfile when one is configured, or when daemonized (Redis's default
    ``/var/run/redis.pid``), and remove it at shutdown."""
    config = server.config
    path = config["pidfile"] or ("/var/run/redis.pid" if config["daemonize"] else "")
    if not path:
        return
    try:
        with open(path, "w") as f:
            f.write(f"{os.getpid()}\n")
    except OSError as e:
        server.log("warning", f"Failed to write PID file: {e.strerror}")
        return

    def remove(_server) -> None:
        try:
            os.unlink(path)
        except OSError:
            pass

    server.shutdown_hooks.append(remove)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--sentinel" in argv or os.path.basename(sys.argv[0]) == "vermilion-sentinel":
        from .sentinel.main import main as sentinel_main

        return sentinel_main(argv)
    if argv and argv[0] in ("-v", "--version"):
        print(version_line())
        return 0
    if argv and argv[0] in ("-h", "--help"):
        sys.stderr.write(USAGE)
        return 1
    from .config.conf_file import ConfigFileError, ConfigOpenError

    if argv and (argv[0] == "-" or argv[-1] == "-"):
        _early_log("Reading config from stdin")
    try:
        config = build_config(argv)
    except ConfigFileError as e:
        sys.stderr.write(e.render(REDIS_VERSION))
        return 1
    except ConfigOpenError as e:
        _early_log(str(e))
        return 1
    from . import commands  # noqa: F401  (registers and freezes the command table)
    from .commands.config_cmds import active_directive_warnings
    from .config.conf_file import apply_renames
    from .engine.server import Server
    from .net.listener import serve

    for words in config.load_modules:
        _early_log(f"Module {words[0]} failed to load: Vermilion does not load Redis modules")
        _early_log(f"Can't load module from {words[0]}: server aborting")
        return 1
    apply_renames(config)
    if config["daemonize"]:
        daemonize()
    server = Server(config)
    from .security.acl.state import install as install_acl

    acl_error = install_acl(server)  # users from the config file / aclfile
    if acl_error is not None:
        server.log("warning", acl_error)
        return 1
    write_pidfile(server)
    from .config.live import apply_maxclients

    apply_maxclients(server, config)
    pid = os.getpid()
    server.log("warning", "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo")
    server.log("warning", f"Redis version={REDIS_VERSION}, bits=64, commit=00000000, modified=0, "
                          f"pid={pid}, just started")
    if config.file is None and not config.read_stdin:
        server.log("warning", "Warning: no config file specified, using the default config. In order to "
                              "specify a config file use vermilion-server /path/to/redis.conf")
    else:
        server.log("warning", "Configuration loaded")
    for line in active_directive_warnings(config):
        server.log("warning", line)
    server.log("notice", f"Vermilion {__version__} (PID: {pid}) speaking Redis {REDIS_VERSION}")
    server.log("notice", f"Running mode={'cluster' if config['cluster-enabled'] else 'standalone'}, port={config['port']}.")
    server.log("notice", "Server initialized")
    from .persistence.loading import defer as defer_load

    defer_load(server)  # the AOF or RDB loads once listening, clients get -LOADING meanwhile
    from .replication.primary import install as install_replication

    install_replication(server)  # replicaof from the config starts the link once the loop runs
    from .cluster.runtime import install as install_cluster

    cluster_error = install_cluster(server)  # nodes.conf, routing gate; the bus starts with the loop
    if cluster_error is not None:
        server.log("warning", cluster_error)
        return 1
    try:
        import uvloop
    except ImportError:
        return asyncio.run(serve(server))
    return uvloop.run(serve(server))


if __name__ == "__main__":
    sys.exit(main())
