"""Async client for M3 MI REST v2 through the ION API gateway.

Business errors come inside HTTP 200 and are checked per result (`mi_results`). Transport
trouble is retried with backoff (429, 5xx, timeouts, connection errors); a 401 drops the token
and retries once with a fresh one. A call that is not safe to repeat (`idempotent=False`, e.g.
creating a statement head) is not retried after a failure that may have happened after M3
received it (timeout or lost connection after sending, 500/502/504): it raises an *uncertain*
`M3TransientError` so the caller can look before it writes again. 429 and 503 mean the gateway
refused before M3 saw the request, and a refused connection means nothing was sent: those are
retried for every call.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Mapping, Sequence

import httpx
import structlog

from workers.adapters.m3.errors import M3AuthError, M3PermanentError, M3TransientError
from workers.adapters.m3.ionapi import TokenProvider
from workers.adapters.m3.mi_results import Record, TransactionResult, parse_results
from workers.adapters.m3.retry import RetryPolicy

log = structlog.get_logger(__name__)

NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
MAYBE_SENT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
SAFE_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class _Retry:
    reason: str
    maybe_sent: bool
    wait: float = 0.0


class _Unauthorized:
    pass


class MIClient:
    def __init__(self, http: httpx.AsyncClient, tokens: TokenProvider, *, base_url: str | None = None,
                 retry: RetryPolicy = RetryPolicy(), timeout: float | None = None, bulk_size: int = 100,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 rng: random.Random | None = None) -> None:
        self._http = http
        self._tokens = tokens
        self._base = (base_url or tokens.config.mi_base_url).rstrip("/")
        self._retry = retry
        self._timeout = timeout
        self._bulk_size = bulk_size
        self._sleep = sleep
        self._rng = rng or random.Random()

    async def call(self, program: str, transaction: str, record: Mapping[str, Any] | None = None, *,
                   maxrecs: int | None = None, idempotent: bool = True) -> list[Record]:
        """One transaction via GET; its records, or the error inside 200 (see `TransactionResult.error`)."""
        params = {k: str(v) for k, v in (record or {}).items()}
        if maxrecs is not None:
            params["maxrecs"] = str(maxrecs)
        body = await self._send("GET", f"{self._base}/{program}/{transaction}", params=params,
                                idempotent=idempotent, where={"program": program, "transaction": transaction})
        result = parse_results(body, program, [transaction])[0]
        if not result.ok:
            raise result.error(program)
        return result.records

    async def execute(self, program: str, items: Sequence[tuple[str, Mapping[str, Any]]], *,
                      cono: str | None = None, divi: str | None = None, max_records: int | None = None,
                      idempotent: bool = True) -> list[TransactionResult]:
        """Bulk POST; one result per item, in order, each to be checked by the caller."""
        results: list[TransactionResult] = []
        for start in range(0, len(items), self._bulk_size):
            chunk = items[start:start + self._bulk_size]
            payload: dict[str, Any] = {"program": program, "transactions": [
                {"transaction": t, "record": {k: str(v) for k, v in r.items()}} for t, r in chunk]}
            payload.update({k: v for k, v in (("cono", cono), ("divi", divi)) if v})
            if max_records is not None:
                payload["maxReturnedRecords"] = max_records
            body = await self._send("POST", self._base, json=payload, idempotent=idempotent,
                                    where={"program": program, "transaction": chunk[0][0]})
            results += parse_results(body, program, [t for t, _ in chunk])
        return results

    async def execute_many(self, items: Sequence[tuple[str, str, Mapping[str, Any]]],
                           **kwargs: Any) -> list[TransactionResult]:
        """Items of several programs: one bulk request per program, results in input order."""
        by_program: dict[str, list[int]] = {}
        for index, (program, _, _) in enumerate(items):
            by_program.setdefault(program, []).append(index)
        out: dict[int, TransactionResult] = {}
        for program, indexes in by_program.items():
            done = await self.execute(program, [(items[i][1], items[i][2]) for i in indexes], **kwargs)
            out.update(zip(indexes, done))
        return [out[i] for i in range(len(items))]

    async def _send(self, method: str, url: str, *, idempotent: bool, where: dict[str, str],
                    params: dict[str, str] | None = None, json: Any = None) -> Any:
        attempt, refreshed = 0, False
        while True:
            attempt += 1
            outcome = await self._attempt(method, url, params, json, where)
            if isinstance(outcome, _Unauthorized):
                if refreshed:
                    raise M3AuthError("M3 refused a freshly fetched token", status=401, **where)
                refreshed, attempt = True, attempt - 1
                continue
            if not isinstance(outcome, _Retry):
                return outcome
            if outcome.maybe_sent and not idempotent:
                raise M3TransientError(f"{outcome.reason}; outcome unknown", uncertain=True, attempts=attempt, **where)
            if attempt >= self._retry.attempts:
                raise M3TransientError(f"gave up after {attempt} attempts: {outcome.reason}", attempts=attempt, **where)
            delay = self._retry.delay(attempt, self._rng, outcome.wait)
            log.info("m3_retry", attempt=attempt, reason=outcome.reason, delay=round(delay, 3), **where)
            await self._sleep(delay)

    async def _attempt(self, method: str, url: str, params: dict[str, str] | None, json: Any,
                       where: dict[str, str]) -> Any:
        """The JSON body, or what went wrong: _Retry / _Unauthorized; permanent errors raise."""
        try:
            token = await self._tokens.token()
        except M3TransientError as exc:
            return _Retry(f"token: {exc.message}", maybe_sent=False)
        timeout = self._timeout if self._timeout is not None else httpx.USE_CLIENT_DEFAULT
        try:
            resp = await self._http.request(method, url, params=params, json=json, timeout=timeout,
                                            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
        except NOT_SENT as exc:
            return _Retry(type(exc).__name__, maybe_sent=False)
        except MAYBE_SENT as exc:
            return _Retry(type(exc).__name__, maybe_sent=True)
        status = resp.status_code
        if status == 401:
            self._tokens.invalidate(token)
            return _Unauthorized()
        if status == 429 or status >= 500:
            return _Retry(f"HTTP {status}", maybe_sent=status not in SAFE_STATUSES, wait=_retry_after(resp))
        if status >= 400:
            raise M3PermanentError(_http_error(resp), status=status, **where)
        try:
            return resp.json()
        except ValueError:
            return _Retry("HTTP 200 without JSON", maybe_sent=True)


def _retry_after(resp: httpx.Response) -> float:
    try:
        return min(float(resp.headers.get("Retry-After", 0)), 60.0)
    except ValueError:
        return 0.0


def _http_error(resp: httpx.Response) -> str:
    try:
        body = resp.json()
        detail = body.get("error_description") or body.get("error") or body.get("message") or ""
    except (ValueError, AttributeError):
        detail = ""
    return f"HTTP {resp.status_code}" + (f": {detail}" if detail else "")
