"""The MI programs the simulated tenant offers: a registry of transaction handlers.

A handler takes the state and one input record (flat strings) and returns output records, or
raises `MIError`. The MI layer wraps results into the v2 envelope. Importing this package
registers every program module listed at the bottom.
"""

from __future__ import annotations

from typing import Callable

from sandbox.m3.state import SandboxState

Record = dict[str, str]
Handler = Callable[[SandboxState, Record], list[Record]]

PROGRAMS: dict[str, dict[str, Handler]] = {}


def transaction(program: str, name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        PROGRAMS.setdefault(program, {})[name] = handler
        return handler
    return register


def lookup(program: str, name: str) -> Handler | None:
    return PROGRAMS.get(program, {}).get(name)


from sandbox.m3.programs import abs100, ars200, ars251, crs610, ext100  # noqa: E402,F401
