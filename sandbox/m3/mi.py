"""MI REST v2 endpoints: `GET .../execute/{PROGRAM}/{TRANSACTION}?FIELD=v` and bulk `POST .../execute`.

The envelope is the real one — `results[]` (one per transaction, `records[]` of flat strings),
`wasTerminated`, `nrOfSuccessfullTransactions` (sic), `nrOfFailedTransactions` — and every
business error (bad input, unknown key, duplicate) is a result with `errorMessage` (padded with
blanks like M3's message text), `errorType`, `errorCode`, `errorField`, inside HTTP 200. A bulk
request runs all its transactions; each result stands alone. `maxrecs` (GET) and
`maxReturnedRecords` (bulk) limit list output, default 100 as in M3; 0 means no limit.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from sandbox.m3.gateway import ERROR_IN_200
from sandbox.m3.programs import lookup
from sandbox.m3.records import MIError
from sandbox.m3.state import STATE, SandboxState

CONTROL_PARAMS = frozenset({"maxrecs", "returncols", "excludeempty", "excludeemptyvalues",
                            "righttrim", "format", "dateformat", "extendedresult"})
DEFAULT_MAXRECS = 100
LOCKED = MIError("Record is being changed by another job, try again later", "XLK0001")


def run(state: SandboxState, program: str, items: list[tuple[str, dict[str, Any]]], *,
        maxrecs: int = DEFAULT_MAXRECS, defaults: dict[str, str] | None = None,
        fail_all: bool = False) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    for name, raw in items:
        state.calls[f"{program}/{name}"] += 1
        record = {**(defaults or {}), **{str(k): str(v) for k, v in raw.items()}}
        try:
            if fail_all:
                raise LOCKED
            handler = lookup(program, name)
            if handler is None:
                raise MIError(f"Transaction {name} does not exist in {program}", "", "",
                              "TransactionNotFound")
            records = handler(state, record)
            results.append({"transaction": name, "records": records[:maxrecs] if maxrecs else records})
        except MIError as err:
            state.calls["mi_errors"] += 1
            results.append({"transaction": name, "errorMessage": err.message.ljust(80),
                            "errorType": err.error_type, "errorCode": err.code,
                            "errorField": err.field, "records": []})
    failed = sum(1 for r in results if "errorMessage" in r)
    return {"results": results, "wasTerminated": False,
            "nrOfSuccessfullTransactions": len(results) - failed, "nrOfFailedTransactions": failed}


async def execute_one(request: web.Request) -> web.Response:
    state = request.app[STATE]
    query = request.query
    record = {k: v for k, v in query.items() if k.lower() not in CONTROL_PARAMS}
    maxrecs = _int(query.get("maxrecs"), DEFAULT_MAXRECS)
    body = run(state, request.match_info["program"], [(request.match_info["transaction"], record)],
               maxrecs=maxrecs, fail_all=ERROR_IN_200.get())
    return web.json_response(body)


async def execute_bulk(request: web.Request) -> web.Response:
    state = request.app[STATE]
    try:
        body = await request.json()
    except json.JSONDecodeError:
        return web.json_response({"error": "request body is not JSON"}, status=400)
    if not isinstance(body, dict) or not body.get("program") or not isinstance(body.get("transactions"), list):
        return web.json_response({"error": "expected {program, transactions: [...]}"}, status=400)
    items = [(str(t.get("transaction", "")), t.get("record") or {}) for t in body["transactions"]
             if isinstance(t, dict)]
    defaults = {k.upper(): str(body[k]) for k in ("cono", "divi") if body.get(k)}
    result = run(state, str(body["program"]), items, defaults=defaults,
                 maxrecs=_int(body.get("maxReturnedRecords"), DEFAULT_MAXRECS),
                 fail_all=ERROR_IN_200.get())
    return web.json_response(result)


def _int(value: Any, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        return default
