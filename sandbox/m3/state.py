"""Everything one simulated tenant knows, in one object the HTTP layer and tests share.

Tests construct it directly (`SandboxState(fast=True)`), the CLI builds it from flags, and the
admin endpoints mutate it. Nothing is persisted: a sandbox run starts empty or from `/load`.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from aiohttp import web

from sandbox.m3.faults import FaultInjector
from sandbox.m3.ingress import IngressEmitter
from sandbox.m3.ledger import Customer, Invoice, JournalLine, Statement, Voucher
from sandbox.m3.tokens import TokenStore


@dataclass(frozen=True)
class TenantCredentials:
    """What the tenant's ION API client registration holds (and the .ionapi file carries)."""

    ti: str = "SANDBOX_TST"
    ci: str = "SANDBOX_TST~dcs-sandbox-client"
    cs: str = "sandbox-client-secret"
    saak: str = "SANDBOX_TST#dcs-service-account"
    sask: str = "sandbox-service-account-secret"

    def __repr__(self) -> str:
        return f"TenantCredentials(ti={self.ti!r}, ci={self.ci!r}, cs='***', saak='***', sask='***')"


@dataclass
class SandboxState:
    tenant: TenantCredentials = field(default_factory=TenantCredentials)
    company: str = "100"
    token_ttl: float = 7200.0
    fast: bool = False
    naive: bool = False
    allow_overpayment: bool = False
    latency: float = 0.02
    seed: int = 0
    clock: Callable[[], float] = time.monotonic
    customers: dict[str, Customer] = field(default_factory=dict)
    invoices: dict[tuple[str, str, int], Invoice] = field(default_factory=dict)
    accounts: dict[str, dict[str, str]] = field(default_factory=dict)
    settlement_functions: dict[str, list[str]] = field(default_factory=dict)
    statements: list[Statement] = field(default_factory=list)
    journal: list[JournalLine] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    ingress: IngressEmitter = field(default_factory=IngressEmitter)
    tokens: TokenStore = field(init=False)
    faults: FaultInjector = field(init=False)
    _jobs: itertools.count = field(default_factory=lambda: itertools.count(1), repr=False)
    _journals: itertools.count = field(default_factory=lambda: itertools.count(1), repr=False)

    def __post_init__(self) -> None:
        self.tokens = TokenStore(self.clock)
        self.faults = FaultInjector(self.seed, self.clock)
        if self.fast:
            self.ingress.backoff = 0.01

    def next_job_number(self) -> str:
        return f"{next(self._jobs):08d}"

    def next_voucher(self, year: int) -> Voucher:
        return Voucher(year, next(self._journals), 1)

    def find_invoice(self, division: str, invoice: str, year: int) -> Invoice | None:
        return self.invoices.get((division, invoice, year))

    def reset(self) -> None:
        """Forget the ledger and statements; credentials, modes and ingress stay."""
        self.customers.clear()
        self.invoices.clear()
        self.accounts.clear()
        self.settlement_functions.clear()
        self.statements.clear()
        self.journal.clear()
        self.calls.clear()
        self.ingress.clear()


STATE = web.AppKey("m3_state", SandboxState)
