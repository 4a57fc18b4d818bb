"""A raw RESP client: sends commands as multibulk (or any bytes) and returns the exact
bytes of each reply, so tests can compare Vermilion and Redis byte for byte."""

from __future__ import annotations

import socket


def encode_command(*args: bytes | str | int) -> bytes:
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = b"%d" % a
        parts.append(b"$%d\r\n%b\r\n" % (len(a), a))
    return b"".join(parts)


class RawClient:
    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 10.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> None:
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("connection closed")
        self.buf += chunk

    def _line(self, pos: int) -> int:
        while True:
            end = self.buf.find(b"\r\n", pos)
            if end >= 0:
                return end
            self._fill()

    def _skip_reply(self, pos: int) -> int:
        """Position just past the reply starting at ``pos`` (reading more as needed)."""
        while len(self.buf) <= pos:
            self._fill()
        t = self.buf[pos : pos + 1]
        end = self._line(pos)
        if t in b"+-:_,#(":
            return end + 2
        head = self.buf[pos + 1 : end]
        if t in b"$=!":
            n = int(head)
            if n < 0:
                return end + 2
            while len(self.buf) < end + 2 + n + 2:
                self._fill()
            return end + 2 + n + 2
        if t in b"*~>%|":
            n = int(head)
            if n < 0:
                return end + 2
            if t in b"%|":
                n *= 2
            pos = end + 2
            for _ in range(n):
                pos = self._skip_reply(pos)
            return pos
        raise ValueError(f"bad reply type {t!r} in {self.buf[pos:pos+50]!r}")

    def read_reply(self) -> bytes:
        end = self._skip_reply(0)
        reply, self.buf = self.buf[:end], self.buf[end:]
        return reply

    def call(self, *args: bytes | str | int) -> bytes:
        self.send(encode_command(*args))
        return self.read_reply()

    def read_until_closed(self, timeout: float = 5.0) -> bytes:
        self.sock.settimeout(timeout)
        data = self.buf
        self.buf = b""
        while True:
            try:
                chunk = self.sock.recv(1 << 16)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            data += chunk
        return data
