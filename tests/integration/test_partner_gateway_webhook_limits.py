"""Oversized webhook bodies over real HTTP: our JSON 413, before aiohttp's own 1 MiB limit.

The gateway used to read the whole body (`request.read()`), so above 1 MiB aiohttp answered first,
in plain text; now the declared Content-Length is checked before reading and a chunked body is cut
off at the limit, and every refusal is `{"error": …}`.
"""

from __future__ import annotations

import time

import pytest

from tests.integration.test_partner_gateway import SCRIPTED, gateway
from workers.adapters.partner import sign
from workers.partner_gateway.options import GatewayOptions

pytestmark = pytest.mark.integration

LIMIT = GatewayOptions().max_webhook_bytes


async def test_oversized_webhook_bodies_get_our_json_413(kafka_settings, tmp_path):
    async with gateway(kafka_settings, tmp_path, SCRIPTED, webhooks=False) as gw:
        secret = gw.secrets["INTRUM"].webhook_secret
        url = f"http://127.0.0.1:{gw.port}/webhooks/partners/INTRUM"

        def signed(body: bytes) -> dict[str, str]:
            return {"Content-Type": "application/json", "X-Signature": sign(secret, body, int(time.time()))}

        huge = b"[" + b" " * (2 * 1024 * 1024) + b"]"
        answer = await gw.http.post(url, content=huge, headers=signed(huge))
        assert answer.status_code == 413, answer.text
        assert answer.json() == {"error": f"body of {len(huge)} bytes exceeds the limit of {LIMIT} bytes"}

        just_over = b"[" + b" " * (LIMIT - 1) + b"]"
        answer = await gw.http.post(url, content=just_over, headers=signed(just_over))
        assert answer.status_code == 413 and "exceeds the limit" in answer.json()["error"]

        async def chunked():
            for _ in range(8):
                yield b" " * (LIMIT // 2)

        answer = await gw.http.post(url, content=chunked(),
                                    headers={"X-Signature": sign(secret, b"", int(time.time()))})
        assert answer.status_code == 413 and answer.json() == {"error": f"body exceeds the limit of {LIMIT} bytes"}

        answer = await gw.http.post(url.replace("INTRUM", "NOPE"), content=huge, headers=signed(huge))
        assert answer.status_code == 404 and "unknown partner" in answer.json()["error"]

        small = b"[]"  # the gateway still reads an ordinary body after the refusals
        answer = await gw.http.post(url, content=small, headers=signed(small))
        assert answer.status_code == 400 and answer.json()["error"]
        assert gw.health.counters["webhooks_refused"] == 5
