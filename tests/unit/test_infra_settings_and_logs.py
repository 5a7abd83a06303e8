"""Settings, client options and log redaction: the foundation's pure parts."""

from __future__ import annotations

import json

import pytest
import structlog
from pydantic import ValidationError

from workers.infra.kafka_clients import faust_broker_options, kafka_python_options
from workers.infra.logs import REDACTED, configure_logging, redact_text
from workers.infra.settings import load_settings


def test_kafka_bootstrap_servers_env_wins(monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "broker-a:9092,broker-b:9092")
    settings = load_settings()
    assert not settings.uses_local_broker
    assert kafka_python_options(settings)["bootstrap_servers"] == ["broker-a:9092", "broker-b:9092"]
    assert faust_broker_options(settings)["broker"] == "kafka://broker-a:9092,kafka://broker-b:9092"


def test_local_broker_by_default(monkeypatch):
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    settings = load_settings(local_broker_port=29092)
    assert settings.uses_local_broker and settings.bootstrap == "127.0.0.1:29092"


def test_sasl_options_reach_both_clients(monkeypatch, tmp_path):
    secret = tmp_path / "kafka-password"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("DCS_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("DCS_SASL_USERNAME", "dcs")
    monkeypatch.setenv("DCS_SASL_PASSWORD_FILE", str(secret))
    settings = load_settings()
    options = kafka_python_options(settings)
    assert options["security_protocol"] == "SASL_PLAINTEXT"
    assert options["sasl_plain_username"] == "dcs" and options["sasl_plain_password"] == "s3cret"
    credentials = faust_broker_options(settings)["broker_credentials"]
    assert credentials.username == "dcs" and credentials.password == "s3cret"
    assert "s3cret" not in repr(settings)


def test_bad_setting_names_the_key(monkeypatch):
    monkeypatch.setenv("DCS_SECURITY_PROTOCOL", "CARRIER_PIGEON")
    with pytest.raises(ValidationError, match="security_protocol"):
        load_settings()


def test_topic_prefix_must_be_topic_safe():
    with pytest.raises(ValidationError, match="topic_prefix"):
        load_settings(topic_prefix="no spaces/")
    assert load_settings(topic_prefix="run-1.").topic("case.events") == "run-1.case.events"


@pytest.mark.parametrize(
    "text",
    [
        "debtor 01017012345 registered",        # Norwegian fødselsnummer
        "hetu 010170-123A ok",                  # Finnish henkilötunnus
        "pnr 19700101-1234",                    # Swedish personnummer
        "mail post@kunde.example please",
        "call +47 912 34 567",
    ],
)
def test_personal_data_patterns_are_redacted(text):
    assert REDACTED in redact_text(text)


def test_business_numbers_are_kept():
    text = "invoice 252005046 org 923609016 case 100/001/252005046/2025 amount 4046.00"
    assert redact_text(text) == text


@pytest.fixture
def json_logging():
    configure_logging(style="json")
    yield
    structlog.reset_defaults()
    import logging

    logging.getLogger().handlers.clear()


def test_structlog_redacts_keys_and_nested_values(capsys, json_logging):
    structlog.get_logger("t").info(
        "registered", national_id="01017012345", debtor={"email": "a@b.no", "name": "Kunde AS"},
        note="reach me at ola@example.no",
    )
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["national_id"] == REDACTED
    assert line["debtor"] == {"email": REDACTED, "name": "Kunde AS"}
    assert "ola@example.no" not in line["note"]
