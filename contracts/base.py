"""Shared building blocks of every contract model.

Canonical contracts are frozen (a message is a fact; nobody edits it after the fact), forbid
unknown fields (a typo in a mapper must fail loudly, not vanish) and validate strictly (``"12"``
is not an int, a ``datetime`` is not a ``date``). JSON input still turns ISO strings into dates,
datetimes and UUIDs, because that is how they are spelled in JSON.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

CONTRACT_CONFIG = ConfigDict(frozen=True, extra="forbid", strict=True)

T = TypeVar("T")

Text = Annotated[str, StringConstraints(min_length=1)]
"""A required human- or machine-readable string: empty is as good as missing."""

Seq = Annotated[tuple[T, ...], Field(strict=False)]
"""An immutable sequence; accepts a list from Python callers (strict tuples would refuse it)."""


class Contract(BaseModel):
    """Base of every model that travels on a topic, nested parts included."""

    model_config = CONTRACT_CONFIG


class Payload(Contract):
    """Base of a message payload; ``message_type`` ties the class to its registry name.

    ``default_case_id`` and ``default_key`` let ``new_message`` fill the envelope's routing
    from the payload when the caller does not, so the Kafka key cannot drift from the content.
    """

    message_type: ClassVar[str] = ""

    def default_case_id(self) -> str | None:
        return None

    def default_key(self) -> str | None:
        return None
