"""Connection options for both Kafka clients, derived from the one settings object.

kafka-python (CLI, admin, ingress producers) and faust/aiokafka (workers) spell the same options
differently; deriving both here keeps SASL/TLS a matter of configuration only.
"""

from __future__ import annotations

from typing import Any

from workers.infra.settings import Settings


def kafka_python_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for kafka-python's KafkaProducer / KafkaConsumer / KafkaAdminClient."""
    return {"bootstrap_servers": settings.bootstrap.split(","), **_security(settings)}


def aiokafka_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for aiokafka consumers/producers used directly (not through faust)."""
    return {"bootstrap_servers": settings.bootstrap, **_security(settings)}


def _security(settings: Settings) -> dict[str, Any]:
    """SASL and TLS spelled the way both kafka-python and aiokafka take them."""
    options: dict[str, Any] = {"security_protocol": settings.security_protocol}
    if settings.security_protocol.startswith("SASL"):
        options |= {
            "sasl_mechanism": settings.sasl_mechanism,
            "sasl_plain_username": settings.sasl_username,
            "sasl_plain_password": settings.sasl_secret(),
        }
    context = settings.ssl_context()
    if context is not None:
        options["ssl_context"] = context
    return options


def faust_broker_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``faust.App`` (broker URL and credentials)."""
    options: dict[str, Any] = {
        "broker": ",".join(f"kafka://{host}" for host in settings.bootstrap.split(",")),
    }
    credentials = faust_credentials(settings)
    if credentials is not None:
        options["broker_credentials"] = credentials
    return options


def faust_credentials(settings: Settings) -> Any:
    import faust

    context = settings.ssl_context()
    if settings.security_protocol.startswith("SASL"):
        return faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_secret(),
            mechanism=settings.sasl_mechanism,
            ssl_context=context,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None

