"""The partner sandbox as an object: build it, start it on a port, stop it.

Tests construct it in-process (``async with PartnerSandbox(["INTRUM"]) as sandbox``, port 0 =
a free port); ``python -m sandbox.partner`` runs the same object until interrupted. One
server hosts several partners, each under ``/{partner}/api/v1`` with its own credentials.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping
from typing import Self

from aiohttp import web

from sandbox.partner import admin, api, control, oauth
from sandbox.partner.credentials import PartnerSecrets
from sandbox.partner.middleware import partner_api
from sandbox.partner.settings import ModeSettings
from sandbox.partner.state import STATE, SandboxState


def build_app(state: SandboxState) -> web.Application:
    app = web.Application(middlewares=[partner_api])
    app[STATE] = state
    for module in (api, oauth, admin, control):
        module.add_routes(app)

    async def on_startup(_: web.Application) -> None:
        state.start_autopilot()

    async def on_cleanup(_: web.Application) -> None:
        await state.stop_autopilot()
        await state.webhooks.close()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app


class PartnerSandbox:
    def __init__(
        self,
        partners: Iterable[str] | Mapping[str, PartnerSecrets],
        *,
        webhook_url: str | None = None,
        mode: ModeSettings | None = None,
    ) -> None:
        if isinstance(partners, Mapping):
            secrets = dict(partners)
        else:
            secrets = {p: PartnerSecrets.development(p) for p in partners}
        self.secrets = secrets
        self.state = SandboxState(secrets, webhook_url, mode or ModeSettings())
        self.app = build_app(self.state)
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        self.host, self.port = host, sock.getsockname()[1]
        self._runner = web.AppRunner(self.app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start(self.host, self.port)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def api_url(self, partner: str) -> str:
        return f"{self.url}/{partner}/api/v1"

    def token_url(self, partner: str) -> str:
        return f"{self.url}/{partner}/oauth/token"
