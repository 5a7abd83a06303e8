"""The typed configuration a finance admin maintains (DOMAIN §3, SCENARIOS.md `config:`).

Every model forbids unknown keys: a misspelt `min_ammount` silently falling back to a default
would hand over invoices the admin meant to keep. Models are frozen: workers share one view.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator
from pydantic_core import PydanticCustomError

from workers.domain.case_status import PartnerStatus
from workers.domain.configuration.fields import (
    AccountNo,
    CollectionCode,
    CountryCode,
    CurrencyCode,
    Days,
    EnvVarName,
    FamFunctionId,
    Flag,
    Key,
    Money,
    Percent,
    Text,
)

DEFAULT_ACCOUNTS = "*"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReminderRule(_Strict):
    """M3's "purreregel": how many reminders before the poller treats an invoice as overdue."""

    reminders_required: Days


class MinDaysOverdue(_Strict):
    """Consumers and businesses may have different legal waiting times (Finland: 14 / 10)."""

    private: Days
    business: Days


def _days_or_split(value: object) -> str:
    return "split" if isinstance(value, (dict, MinDaysOverdue)) else "days"


MIN_DAYS_TAGS = frozenset({"days", "split"})
MinDays = Annotated[
    Annotated[Days, Tag("days")] | Annotated[MinDaysOverdue, Tag("split")],
    Discriminator(_days_or_split),
]


class Partner(_Strict):
    name: Text
    transport: Literal["rest", "file"]
    reminder_rules: Annotated[tuple[Key, ...], Field(max_length=5)] = ()
    min_days_overdue: MinDays = 14
    min_amount: Money = Decimal("0.00")
    settlement_functions: tuple[FamFunctionId, ...] = ()
    status_mapping: dict[Text, PartnerStatus] | None = None
    automatic_update: Flag = True
    requires_national_id: Flag = False
    """Send a private debtor's national id only to a partner that needs it (GDPR minimisation)."""
    endpoint_env: EnvVarName | None = None
    credentials_env: EnvVarName | None = None
    webhook_secret_env: EnvVarName | None = None

    def min_days(self, private: bool) -> int:
        days = self.min_days_overdue
        if isinstance(days, MinDaysOverdue):
            return days.private if private else days.business
        return days


class DivisionLink(_Strict):
    """A division handed to one partner; `paused` stops new cases, open ones go on."""

    name: Text
    partner: Key
    partner_customer_no: Text
    paused: Flag = False
    country: CountryCode
    currency: CurrencyCode
    vat_rate: Percent


class FamFunction(_Strict):
    """An M3 accounting function; only `transfer` ones are forwarded to the partner."""

    name: Text
    transfer: Flag


class AccountMapping(_Strict):
    """Detail type → GL account, as the tenant's ABS911 allocation rules post them."""

    clearing: AccountNo
    receivable: AccountNo
    interest: AccountNo
    input_vat: AccountNo
    vat_base: AccountNo
    vat_base_offset: AccountNo
    kickback: AccountNo
    commission: AccountNo
    rounding: AccountNo
    other: AccountNo


class Configuration(_Strict):
    company: Key
    reminder_rules: dict[Key, ReminderRule] = {}
    partners: dict[Key, Partner] = {}
    divisions: dict[Key, DivisionLink] = {}
    fam_functions: dict[FamFunctionId, FamFunction] = {}
    blocking_collection_codes: tuple[CollectionCode, ...] = (3,)
    rounding_tolerance: Money = Decimal("0.05")
    accounts: dict[Key, AccountMapping]

    @model_validator(mode="after")
    def _references_resolve(self) -> Configuration:
        problems = tuple(_dangling_references(self))
        if problems:
            raise PydanticCustomError(
                "configuration_reference",
                "{count} reference problem(s)",
                {"count": len(problems), "problems": problems},
            )
        return self

    def division_link(self, division: str) -> DivisionLink | None:
        return self.divisions.get(division)

    def accounts_for(self, division: str) -> AccountMapping:
        """A division's own mapping, else the `"*"` default."""
        return self.accounts.get(division) or self.accounts[DEFAULT_ACCOUNTS]

    def min_days_for(self, partner_id: str, private: bool) -> int:
        return self.partners[partner_id].min_days(private)


def _dangling_references(cfg: Configuration):
    """Yields (dotted path, message) for every name that points at nothing."""
    for division_id, link in cfg.divisions.items():
        if link.partner not in cfg.partners:
            yield f"divisions.{division_id}.partner", f"unknown partner {link.partner!r}"
    for partner_id, partner in cfg.partners.items():
        for i, rule in enumerate(partner.reminder_rules):
            if rule not in cfg.reminder_rules:
                path = f"partners.{partner_id}.reminder_rules[{i}]"
                yield path, f"unknown reminder rule {rule!r}"
        for i, function_id in enumerate(partner.settlement_functions):
            path = f"partners.{partner_id}.settlement_functions[{i}]"
            function = cfg.fam_functions.get(function_id)
            if function is None:
                yield path, f"unknown FAM function {function_id!r} (add it under fam_functions)"
            elif function.transfer:
                yield path, (
                    f"FAM function {function_id!r} has transfer: true; the partner's own "
                    "settlement postings must never be forwarded back to it"
                )
    if DEFAULT_ACCOUNTS not in cfg.accounts:
        yield "accounts", 'needs a "*" default mapping'
    for key in cfg.accounts:
        if key != DEFAULT_ACCOUNTS and key not in cfg.divisions:
            yield f"accounts.{key}", f'{key!r} is neither "*" nor a configured division'
