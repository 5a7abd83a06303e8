"""Structured logging, configured once, with personal data redacted before anything is written.

National ids, e-mail addresses and phone numbers must never reach a log (DOMAIN §4, GDPR). The
redaction runs as a structlog processor over every event, by key name and by pattern, so a
careless ``log.info("registered", debtor=debtor)`` is still safe.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, Literal

import structlog

REDACTED = "[redacted]"

SENSITIVE_KEYS = frozenset(
    {"national_id", "nationalid", "ssn", "personal_id", "email", "e_mail", "emal", "phone", "phno",
     "mobile", "password", "secret", "token", "access_token", "client_secret", "authorization"}
)

_PATTERNS = (
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),                      # e-mail
    re.compile(r"(?<!\d)\d{6}[-+A]?\d{5}(?!\d)"),                     # NO fødselsnummer (11 digits)
    re.compile(r"(?<!\d)\d{6}[-+A][0-9]{3}[0-9A-Y](?![0-9A-Za-z])"),  # FI henkilötunnus
    re.compile(r"(?<!\d)(?:19|20)?\d{6}[-+]\d{4}(?!\d)"),             # SE personnummer
    re.compile(r"\+\d{1,3}[ \d-]{6,14}\d"),                           # phone with country code
)


def redact_text(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: REDACTED if str(k).lower() in SENSITIVE_KEYS else redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return type(value)(redact_value(v) for v in value) if not isinstance(value, set) else [redact_value(v) for v in value]
    return value


def redact_personal_data(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: drop sensitive keys' values and mask sensitive patterns in the rest."""
    return {
        key: REDACTED if key.lower() in SENSITIVE_KEYS else redact_value(value)
        for key, value in event_dict.items()
    }


def configure_logging(style: Literal["json", "console"] = "console", level: str = "INFO") -> None:
    """Configure structlog and the stdlib root logger (faust, aiokafka, aiohttp) the same way."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_personal_data,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if style == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for chatty in ("httpx", "httpcore"):  # a line per HTTP request: our own logs say what matters
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))


def _stderr_logger(*_args: Any) -> structlog.PrintLogger:
    """Looked up per logger, so a replaced sys.stderr (daemonised worker, test capture) is honoured."""
    return structlog.PrintLogger(sys.stderr)


class _RedactingFormatter(logging.Formatter):
    """Library log records (faust, aiokafka) pass through the same redaction as ours."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(super().format(record))


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
