"""The slow checks of the dispatch pipeline, run only when ``client.gate`` or
``server.gate`` is set (see ``dispatch.py``).  Each subsystem registers its gate with
``dispatch.register_gate`` at the position Redis's ``processCommand`` gives it."""

from __future__ import annotations

from typing import Any

from ..commands.spec import CmdFlag, CommandSpec
from ..protocol.errors import CommandError
from .client import Gate
from .dispatch import GATE_ORDER, GATES, register_gate

_NO_AUTH = CmdFlag.NO_AUTH


def check(c: Any, spec: CommandSpec, argv: list[bytes]) -> Any:
    for _order, _name, gate in GATES:
        reply = gate(c, spec, argv)
        if reply is not None:
            return reply
    return None


def _auth_gate(c: Any, spec: CommandSpec, argv: list[bytes]) -> Any:
    if c.gate & Gate.NOAUTH and not (spec.flags & _NO_AUTH):
        raise CommandError(b"NOAUTH Authentication required.")
    return None


register_gate(GATE_ORDER["auth"], "auth", _auth_gate)
