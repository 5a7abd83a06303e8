"""How the sandbox behaves: scripted or autonomous, naive or deduplicating, which faults.

Set at start-up or with ``POST /_sandbox/mode`` (the body is merged over the current mode; a
given ``fault`` replaces the old one whole). Unknown keys are refused so a typo in a scenario
or test does not silently run without the fault it meant to inject.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

OPERATIONS = frozenset(
    {
        "token",
        "register_case",
        "find_cases",
        "case_details",
        "payment",
        "credit_note",
        "close_request",
        "status_changes",
        "settlements",
        "settlement",
    }
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Outage(_Strict):
    """Seconds after the mode was set during which every partner call answers 503."""

    start_s: float = Field(ge=0)
    end_s: float = Field(gt=0)


class ScriptedFault(_Strict):
    """The next ``times`` calls of ``operation`` fail this way, before any random fault.

    ``error``: answer ``status`` without acting. ``error_after``: act, then answer 500.
    ``timeout``: act, then hold the answer for ``FaultSettings.timeout_s``.
    """

    operation: str
    kind: Literal["error", "error_after", "timeout"]
    status: int = Field(default=503, ge=400, le=599)
    times: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _known_operation(self) -> ScriptedFault:
        if self.operation not in OPERATIONS:
            raise ValueError(f"unknown operation {self.operation!r}; one of {sorted(OPERATIONS)}")
        return self


class FaultSettings(_Strict):
    error_rate: float = Field(default=0.0, ge=0, le=1)
    timeout_rate: float = Field(default=0.0, ge=0, le=1)
    timeout_s: float = Field(default=30.0, ge=0)
    operations: list[str] | None = None
    outages: list[Outage] = []
    script: list[ScriptedFault] = []
    token_ttl_s: int = Field(default=3600, ge=1)
    token_early_expiry_s: float | None = Field(default=None, ge=0)
    duplicate_webhook_rate: float = Field(default=0.0, ge=0, le=1)


class ModeSettings(_Strict):
    mode: Literal["scripted", "autonomous"] = "autonomous"
    naive: bool = False
    fast: bool = False
    seed: int = 0
    fault: FaultSettings = FaultSettings()

    def merged(self, update: dict[str, object]) -> ModeSettings:
        return ModeSettings.model_validate({**self.model_dump(), **update})
