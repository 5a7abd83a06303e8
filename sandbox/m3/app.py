"""Assembles the simulated tenant: ION token endpoint, MI REST v2, and the `/_sandbox` admin API.

`create_app(state)` for in-process use (tests share the `SandboxState` object with the app);
`start(port)` runs it on 127.0.0.1 and returns the aiohttp runner (port 0 picks a free port,
`base_url(runner)` tells which).
"""

from __future__ import annotations

from aiohttp import web

from sandbox.m3 import admin
from sandbox.m3.auth import token_endpoint
from sandbox.m3.gateway import gateway
from sandbox.m3.mi import execute_bulk, execute_one
from sandbox.m3.state import STATE, SandboxState

MI_ROOT = "/{ti}/M3/m3api-rest/v2/execute"


def create_app(state: SandboxState | None = None) -> web.Application:
    app = web.Application(middlewares=[gateway])
    app[STATE] = state or SandboxState()
    app.router.add_post("/{ti}/as/token.oauth2", token_endpoint)
    app.router.add_get(MI_ROOT + "/{program}/{transaction}", execute_one)
    app.router.add_post(MI_ROOT, execute_bulk)
    admin.register(app.router)
    app.on_cleanup.append(_close)
    return app


async def _close(app: web.Application) -> None:
    await app[STATE].ingress.close()


async def start(port: int = 0, state: SandboxState | None = None, host: str = "127.0.0.1") -> web.AppRunner:
    runner = web.AppRunner(create_app(state), handle_signals=False, shutdown_timeout=5.0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def base_url(runner: web.AppRunner) -> str:
    host, port = runner.addresses[0][:2]
    return f"http://{host}:{port}"


def app_state(runner: web.AppRunner) -> SandboxState:
    return runner.app[STATE]
