"""The bearer guard of the operational endpoints (/metrics, /admin, faust's /table and /router),
and what /health and /metrics render."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from structlog.testing import capture_logs

from workers.infra.endpoint_auth import (
    EndpointAuthNotConfigured,
    OperationsToken,
    bearer_middleware,
    is_protected,
)
from workers.infra.health import WorkerHealth, escape_label
from workers.infra.settings import load_settings

TOKEN = "s3cr3t-metrics-token"


def settings(**overrides: Any):
    return load_settings(**{"profile": "test", **overrides})


# ---- the token and the settings -----------------------------------------------------------------

def test_without_a_token_nothing_is_refused_outside_production():
    token = OperationsToken.from_settings(settings())
    assert not token.required and token.refusal(None) is None and token.refusal("Bearer anything") is None


def test_production_refuses_to_start_without_a_token_and_names_the_setting():
    with pytest.raises(EndpointAuthNotConfigured, match="DCS_METRICS_TOKEN"):
        OperationsToken.from_settings(settings(profile="production"))
    assert OperationsToken.from_settings(settings(profile="production", metrics_token=SecretStr(TOKEN))).required


def test_token_from_a_file_wins_and_is_stripped(tmp_path):
    path = tmp_path / "metrics.token"
    path.write_text(f"{TOKEN}\n")
    token = OperationsToken.from_settings(settings(metrics_token_file=path, metrics_token=SecretStr("other")))
    assert token.refusal(f"Bearer {TOKEN}") is None and token.refusal("Bearer other") == "invalid bearer token"
    assert TOKEN not in repr(token)


def test_an_unreadable_or_empty_token_file_is_a_configuration_error(tmp_path):
    with pytest.raises(EndpointAuthNotConfigured, match="cannot read DCS_METRICS_TOKEN_FILE"):
        OperationsToken.from_settings(settings(metrics_token_file=tmp_path / "absent"))
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(EndpointAuthNotConfigured, match="empty"):
        OperationsToken.from_settings(settings(metrics_token_file=empty))


def test_the_environment_names_follow_the_ingress_token(monkeypatch, tmp_path):
    monkeypatch.setenv("DCS_METRICS_TOKEN", TOKEN)
    assert load_settings().metrics_secret() == TOKEN
    path = tmp_path / "token"
    path.write_text("from-file")
    monkeypatch.setenv("DCS_METRICS_TOKEN_FILE", str(path))
    assert load_settings().metrics_secret() == "from-file"


@pytest.mark.parametrize("header, reason", [
    (None, "missing Authorization header (expected: Bearer <token>)"),
    ("", "missing Authorization header (expected: Bearer <token>)"),
    (f"Basic {TOKEN}", "Authorization must use the Bearer scheme"),
    ("Bearer", "Authorization must use the Bearer scheme"),
    ("Bearer wrong", "invalid bearer token"),
    (f"Bearer {TOKEN}x", "invalid bearer token"),
    (f"Bearer {TOKEN[:-1]}", "invalid bearer token"),
    (f"Bearer {TOKEN}", None),
    (f"bearer  {TOKEN} ", None),
])
def test_refusal_reasons(header, reason):
    assert OperationsToken(TOKEN).refusal(header) == reason


@pytest.mark.parametrize("path, protected", [
    ("/metrics", True), ("/metrics/", True), ("//metrics", True), ("/admin", True), ("/admin/replay", True),
    ("/table/cases/", True), ("/router/", True), ("/health", False), ("/metricsx", False),
    ("/ingress/m3/overdue", False), ("/webhooks/partners/INTRUM", False), ("/", False),
])
def test_which_paths_are_protected(path, protected):
    assert is_protected(path) is protected


# ---- the middleware on a real aiohttp server ------------------------------------------------------

async def guarded_client(token: OperationsToken) -> TestClient:
    async def ok(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application(middlewares=[bearer_middleware(token)])
    for path in ("/health", "/metrics", "/admin/replay", "/table/{name}/", "/ingress/m3/overdue"):
        app.router.add_get(path, ok)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


async def test_the_guard_answers_401_with_a_challenge_and_lets_the_token_through():
    client = await guarded_client(OperationsToken(TOKEN))
    try:
        for path in ("/metrics", "/admin/replay", "/table/cases/"):
            missing = await client.get(path)
            assert missing.status == 401
            assert missing.headers["WWW-Authenticate"] == 'Bearer realm="dcs-operations"'
            wrong = await client.get(path, headers={"Authorization": "Bearer nope"})
            assert wrong.status == 401
            assert wrong.headers["WWW-Authenticate"] == 'Bearer realm="dcs-operations", error="invalid_token"'
            assert (await wrong.json()) == {"error": "invalid bearer token"}
            right = await client.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
            assert right.status == 200 and await right.text() == "ok"
        assert (await client.get("/health")).status == 200
        assert (await client.get("/ingress/m3/overdue")).status == 200  # has its own token
        assert (await client.get("/%6detrics")).status == 401  # a differently spelled path
    finally:
        await client.close()


async def test_without_a_token_the_guard_is_open():
    client = await guarded_client(OperationsToken(None))
    try:
        assert (await client.get("/metrics")).status == 200
    finally:
        await client.close()


async def test_neither_the_token_nor_a_guess_reaches_the_log():
    client = await guarded_client(OperationsToken(TOKEN))
    try:
        with capture_logs() as logs:
            await client.get("/metrics", headers={"Authorization": "Bearer my-wrong-guess"})
            await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    finally:
        await client.close()
    assert [entry["event"] for entry in logs] == ["operations_endpoint_refused"]
    assert "my-wrong-guess" not in repr(logs) and TOKEN not in repr(logs)


# ---- what /health and /metrics say ------------------------------------------------------------------

def test_health_answer_is_minimal():
    health = WorkerHealth("m3-gateway", ready=True, in_flight=1)
    health.count("set_reminder_stop_ok", 3)
    assert health.snapshot() == {"worker": "m3-gateway", "ready": True, "in_flight": 1, "retrying": 0,
                                 "business_date": None, "config_version": 0}


def test_metrics_text_has_help_and_type_per_family_and_escaped_labels():
    health = WorkerHealth("m3-gateway", ready=True, retrying=2)
    health.count("set_reminder_stop_ok", 3)
    health.count("commands_failed")
    health.count("odd-name.x")
    text = health.prometheus({('t."odd"\\topic', 0): 5, ("t.m3.commands", 1): 0})
    lines = text.splitlines()
    assert 'dcs_worker_ready{worker="m3_gateway"} 1' in lines
    assert 'dcs_commands_retrying{worker="m3_gateway"} 2' in lines
    assert 'dcs_commands_failed_total{worker="m3_gateway"} 1' in lines
    assert 'dcs_set_reminder_stop_ok_total{worker="m3_gateway"} 3' in lines
    assert 'dcs_odd_name_x_total{worker="m3_gateway"} 1' in lines
    assert 'dcs_consumer_lag{worker="m3_gateway",topic="t.\\"odd\\"\\\\topic",partition="0"} 5' in lines
    assert 'dcs_consumer_lag{worker="m3_gateway",topic="t.m3.commands",partition="1"} 0' in lines
    families = [line.split()[2] for line in lines if line.startswith("# TYPE")]
    assert len(families) == len(set(families)) == len([line for line in lines if line.startswith("# HELP")])
    assert lines.count("# TYPE dcs_consumer_lag gauge") == 1 and text.endswith("\n")
    for line in lines:
        if not line.startswith("#"):
            assert line.split("{")[0] in families


def test_failed_is_always_reported_even_at_zero():
    assert 'dcs_commands_failed_total{worker="settlement"} 0' in WorkerHealth("settlement").prometheus()


def test_label_escaping():
    assert escape_label('a"b\\c\nd') == 'a\\"b\\\\c\\nd'


# ---- on a worker's faust app ----------------------------------------------------------------------

def test_a_production_worker_does_not_start_without_a_metrics_token(tmp_path):
    from workers.infra.faust_app import create_app
    from workers.infra.health import serve_health

    production = load_settings(profile="production", data_dir=tmp_path)
    app = create_app("unit-worker", production, web_port=free_unused_port(), in_memory_tables=True)
    with pytest.raises(EndpointAuthNotConfigured, match="DCS_METRICS_TOKEN_FILE"):
        serve_health(app, WorkerHealth("unit-worker"), production)

    guarded = production.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    app = create_app("unit-worker", guarded, web_port=free_unused_port(), in_memory_tables=True)
    serve_health(app, WorkerHealth("unit-worker"), guarded)
    assert len(app.web.web_app.middlewares) == 1
    assert {"/health", "/metrics"} <= {r.resource.canonical for r in app.web.web_app.router.routes()}


def free_unused_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
