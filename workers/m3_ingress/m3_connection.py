"""The ingress's own line to M3 (ION API), for CRS610 enrichment and the ARS200 poller.

Opened on first use inside the running worker and closed with it (a mode child service of the
faust app). The `.ionapi` file is read when the worker is built, so a missing or broken file
stops the start with its reason instead of failing the first event. Without a file the
canonical endpoints still work; only what needs M3 answers 503.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from mode import Service

from workers.adapters.m3 import IonApiConfig, M3Reader, MIClient, TokenProvider, load_ionapi
from workers.m3_ingress.auth import IngressNotConfigured

HTTP_TIMEOUT_S = 10.0


class M3Connection(Service):
    def __init__(self, ionapi_file: Path | None) -> None:
        super().__init__()
        self._ionapi: IonApiConfig | None = None
        if ionapi_file is not None:
            try:
                self._ionapi = load_ionapi(ionapi_file)
            except (OSError, ValueError) as error:
                raise IngressNotConfigured(f"DCS_M3_IONAPI_FILE: {error}") from None
        self._http: httpx.AsyncClient | None = None
        self._client: MIClient | None = None

    @property
    def configured(self) -> bool:
        return self._ionapi is not None

    def reader(self, company: str) -> M3Reader:
        if self._ionapi is None:
            raise IngressNotConfigured("reading M3 needs DCS_M3_IONAPI_FILE (an .ionapi credentials file)")
        if self._client is None:
            self._http = httpx.AsyncClient(timeout=HTTP_TIMEOUT_S)
            self._client = MIClient(self._http, TokenProvider(self._http, self._ionapi))
        return M3Reader(self._client, company)

    async def on_stop(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http, self._client = None, None
