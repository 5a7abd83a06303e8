"""The one typed settings object of the service.

Everything a worker, the CLI or a test needs to know about its surroundings comes from here:
environment variables (prefix ``DCS_``; ``KAFKA_BOOTSTRAP_SERVERS`` also works unprefixed, as the
whole Kafka ecosystem spells it) and, optionally, a ``.env``-style file named by ``DCS_SETTINGS_FILE``.
Secrets may be given as ``…_FILE`` paths so they never sit in the environment or in code.
"""

from __future__ import annotations

import os
import ssl
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


class Settings(BaseSettings):
    """Where Kafka is, how to authenticate to it, where local state lives."""

    model_config = SettingsConfigDict(
        env_prefix="DCS_",
        env_file=os.environ.get("DCS_SETTINGS_FILE"),
        extra="forbid",
        frozen=True,
    )

    bootstrap_servers: str | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "DCS_BOOTSTRAP_SERVERS"),
        description="When set, this cluster is used and no local broker is started.",
    )
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism = "PLAIN"
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    sasl_password_file: Path | None = None
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None

    data_dir: Path = REPO_ROOT / ".data"
    cache_dir: Path = REPO_ROOT / ".cache"
    topic_prefix: str = ""
    local_broker_port: int = Field(default=19092, ge=1024, le=65535)
    local_controller_port: int = Field(default=19093, ge=1024, le=65535)
    web_port_base: int = Field(default=6066, ge=1024, le=65000)
    web_host: str = Field(default="127.0.0.1", description="bind address of worker web servers (ingress, webhooks)")
    profile: Literal["production", "test"] = "production"

    # ---- M3 (DOMAIN §5): ION API credentials file and the tenant's case-info transaction set
    m3_ionapi_file: Path | None = None
    m3_case_info: Literal["custom", "ars251"] = "custom"
    m3_poll_interval_s: float = Field(default=0.0, ge=0, description="0 = the ARS200MI poller is off")
    m3_poll_divisions: str = Field(default="", description="comma-separated divisions the poller reads")
    m3_http_timeout_s: float = Field(default=30.0, gt=0, description="one ION API call, token or MI")
    # ---- M3 ingress: the bearer token M3 (MEC/ION, Event Subscriber) presents, and the body limit
    m3_ingress_token: SecretStr | None = None
    m3_ingress_token_file: Path | None = None
    ingress_max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # ---- operations: the bearer token of /metrics and /admin/* on every worker (required in production)
    metrics_token: SecretStr | None = None
    metrics_token_file: Path | None = None
    # ---- partners: base URLs and secrets per partner id; secrets from a JSON file or env
    partner_urls: str = Field(default="", description="ID=URL,… e.g. INTRUM=http://127.0.0.1:8090/INTRUM/api/v1")
    partner_secrets_file: Path | None = Field(
        default=None, description='JSON {"INTRUM": {"api_key": …, "webhook_secret": …}}; else DCS_PARTNER_<ID>_* env')
    partner_poll_interval_s: float = Field(default=5.0, ge=0, description="delta status search; 0 = webhooks only")
    partner_http_timeout_s: float = Field(default=10.0, gt=0, description="one partner API call")

    @field_validator("topic_prefix")
    @classmethod
    def _prefix_is_topic_safe(cls, value: str) -> str:
        allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        if not set(value) <= allowed:
            raise ValueError("topic_prefix may only contain letters, digits, '.', '_' and '-'")
        return value

    def m3_ingress_secret(self) -> str | None:
        if self.m3_ingress_token_file:
            return self.m3_ingress_token_file.read_text().strip()
        return self.m3_ingress_token.get_secret_value() if self.m3_ingress_token else None

    def metrics_secret(self) -> str | None:
        if self.metrics_token_file:
            return self.metrics_token_file.read_text().strip()
        return self.metrics_token.get_secret_value() if self.metrics_token else None

    def partner_base_urls(self) -> dict[str, str]:
        """`partner_urls` as a mapping; a malformed entry names itself."""
        urls: dict[str, str] = {}
        for entry in filter(None, (part.strip() for part in self.partner_urls.split(","))):
            partner, sep, url = entry.partition("=")
            if not sep or not partner or not url.startswith(("http://", "https://")):
                raise ValueError(f"partner_urls: {entry!r} is not ID=http(s)://…")
            urls[partner] = url
        return urls

    @property
    def uses_local_broker(self) -> bool:
        return not self.bootstrap_servers

    @property
    def bootstrap(self) -> str:
        return self.bootstrap_servers or f"127.0.0.1:{self.local_broker_port}"

    def topic(self, logical_name: str) -> str:
        """The physical topic name of a logical one from topics.yaml."""
        return f"{self.topic_prefix}{logical_name}"

    def sasl_secret(self) -> str | None:
        if self.sasl_password_file:
            return self.sasl_password_file.read_text().strip()
        return self.sasl_password.get_secret_value() if self.sasl_password else None

    def ssl_context(self) -> ssl.SSLContext | None:
        if self.security_protocol not in ("SSL", "SASL_SSL"):
            return None
        context = ssl.create_default_context(cafile=str(self.ssl_cafile) if self.ssl_cafile else None)
        if self.ssl_certfile:
            context.load_cert_chain(str(self.ssl_certfile), str(self.ssl_keyfile) if self.ssl_keyfile else None)
        return context


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment (and file); keyword overrides win (tests, CLI flags)."""
    return Settings(**overrides)  # type: ignore[arg-type]
