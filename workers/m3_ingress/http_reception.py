"""The HTTP edge of the ingress: bounded body reading, JSON parsing and the answers we give.

Every refusal is a `Rejected` with a status and a reason the sender can act on; handlers raise
it anywhere and one place turns it into the JSON answer. The body limit is checked twice: on
the declared Content-Length (refused before reading) and on the bytes actually read (a chunked
or lying sender is cut off at the limit, never buffered whole).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

from aiohttp import web

RETRY_AFTER_S = 5


class Rejected(Exception):
    """A request we refuse; nothing has been produced for it."""

    def __init__(self, status: int, reason: str, *, retryable: bool = False) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retryable = retryable

    def answer(self) -> web.Response:
        headers = {"Retry-After": str(RETRY_AFTER_S)} if self.retryable else {}
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="m3-ingress"'
        return answer(self.status, {"error": self.reason, "retryable": self.retryable}, headers)


def unavailable(reason: str) -> Rejected:
    return Rejected(503, reason, retryable=True)


class ByteStream(Protocol):
    async def readany(self) -> bytes: ...


async def read_body(request: web.Request, limit: int) -> bytes:
    declared = request.content_length
    if declared is not None and declared > limit:
        raise Rejected(413, f"body of {declared} bytes exceeds the limit of {limit} bytes")
    return await read_limited(request.content, limit)


async def read_limited(stream: ByteStream, limit: int) -> bytes:
    """The whole body, or 413 as soon as more than `limit` bytes have arrived."""
    chunks, size = [], 0
    while chunk := await stream.readany():
        size += len(chunk)
        if size > limit:
            raise Rejected(413, f"body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(body: bytes) -> Any:
    if not body.strip():
        raise Rejected(400, "empty body: expected JSON")
    try:
        return json.loads(body, parse_constant=_no_constants)
    except (ValueError, RecursionError) as error:
        raise Rejected(400, f"invalid JSON: {_json_problem(error)}") from None


def objects_of(data: Any) -> list[Mapping[str, Any]]:
    """A JSON object or a non-empty list of them, as a list."""
    items = data if isinstance(data, list) else [data]
    if not items:
        raise Rejected(400, "empty list: nothing to accept")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            where = f"item [{index}]" if isinstance(data, list) else "body"
            raise Rejected(400, f"{where} must be a JSON object")
    return items


def answer(status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> web.Response:
    return web.json_response(dict(body), status=status, headers=dict(headers or {}))


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _json_problem(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at line {error.lineno} column {error.colno}"
    if isinstance(error, UnicodeDecodeError):
        return "body is not UTF-8"
    return str(error) if isinstance(error, ValueError) else "nested too deeply"
