"""``vermilion-sentinel <sentinel.conf> [--directive value ...]``: the Sentinel process.

The config file is required and must be writable, as Redis requires; the state is
rewritten to it (``sentinel myid`` on first start, discovered replicas and sentinels).
"""

from __future__ import annotations

import asyncio
import os
import sys

from ..protocol.encoder import encode
from ..protocol.errors import CommandError
from ..protocol.resp_parser import RequestParser
from . import commands, state_file
from .monitor import Monitor


class Sentinel:
    def __init__(self, cfg):
        self.cfg = cfg
        self.primaries = cfg.primaries
        self.current_epoch = cfg.current_epoch
        self.monitor = Monitor(self)

    def announce_ip(self) -> str:
        return self.cfg.announce_ip or "127.0.0.1"

    def announce_port(self) -> int:
        return self.cfg.announce_port or self.cfg.port

    def event(self, kind: str, inst) -> None:
        if inst.role == "master":
            text = f"master {inst.name} {inst.ip} {inst.port}"
        else:
            p = inst.primary
            text = f"{inst.role} {inst.name} {inst.ip} {inst.port} @ {p.name} {p.ip} {p.port}"
        print(f"{os.getpid()}:X {kind} {text}", flush=True)
        if kind in ("+slave", "+sentinel"):
            self.flush_config()

    def flush_config(self) -> None:
        state_file.flush(self.cfg, self.current_epoch)

    def info_text(self) -> str:
        lines = ["# Sentinel", f"sentinel_masters:{len(self.primaries)}",
                 "sentinel_tilt:0", "sentinel_tilt_since_seconds:-1",
                 "sentinel_running_scripts:0", "sentinel_scripts_queue_length:0",
                 "sentinel_simulate_failure_flags:0"]
        for i, p in enumerate(self.primaries.values()):
            status = "odown" if "o_down" in p.flags else "sdown" if "s_down" in p.flags else "ok"
            lines.append(f"master{i}:name={p.name},status={status},address={p.ip}:{p.port},"
                         f"slaves={len(p.replicas)},sentinels={len(p.sentinels) + 1}")
        return "\r\n".join(lines) + "\r\n"

    async def handle(self, reader, writer):
        parser = RequestParser()
        resp = 2
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                parser.feed(data)
                out = []
                while (argv := parser.next()) is not None:
                    if argv[0].lower() == b"hello" and len(argv) > 1 and argv[1] in (b"2", b"3"):
                        resp = int(argv[1])
                        reply = {b"server": b"redis", b"version": b"7.2.4", b"proto": resp,
                                 b"mode": b"sentinel", b"role": b"master", b"modules": []}
                        if resp == 2:
                            reply = [x for kv in reply.items() for x in kv]
                    else:
                        try:
                            reply = commands.dispatch(self, resp, argv)
                        except CommandError as e:
                            out.append(b"-" + e.args[0] + b"\r\n")
                            continue
                    out.append(encode(reply, resp))
                writer.write(b"".join(out))
                await writer.drain()
        except (ConnectionError, Exception):
            pass
        finally:
            writer.close()

    async def serve(self):
        server = await asyncio.start_server(self.handle, self.cfg.bind, self.cfg.port)
        self.flush_config()
        print(f"{os.getpid()}:X Sentinel ID is {self.cfg.myid}", flush=True)
        for p in self.primaries.values():
            print(f"{os.getpid()}:X +monitor master {p.name} {p.ip} {p.port} quorum {p.quorum}", flush=True)
        async with server:
            await self.monitor.run()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    argv = [a for a in argv if a != "--sentinel"]
    if not argv or argv[0].startswith("-"):
        sys.stderr.write("Sentinel needs config file on disk to save state.  Exiting...\n")
        return 1
    path = os.path.abspath(argv[0])
    if not os.access(path, os.W_OK):
        sys.stderr.write(f"Sentinel config file {path} is not writable: {os.strerror(13)}. Exiting...\n")
        return 1
    extra = []
    rest = argv[1:]
    i = 0
    while i < len(rest):
        if rest[i].startswith("--"):
            words = [rest[i][2:]]
            i += 1
            while i < len(rest) and not rest[i].startswith("--"):
                words.append(rest[i])
                i += 1
            extra.append(" ".join(words))
        else:
            i += 1
    try:
        cfg = state_file.parse(path, extra)
    except (state_file.ConfigError, ValueError, IndexError) as e:
        sys.stderr.write(f"\n*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***\n>>> {e}\n")
        return 1
    try:
        asyncio.run(Sentinel(cfg).serve())
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
