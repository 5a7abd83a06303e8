"""The fault run: a group's overdue invoices, partner answers, direct payments, credits and
settlements, played against the real workers while faults are injected everywhere.

Phases, each waited for before the next (with a deadline; what is still missing then is
reported, not hidden): 1 hand-over of every invoice (some events delivered twice),
2 receipts and statuses (some arriving out of order), 3 direct payments and credit notes in M3,
4 settlements (one delivered twice). The expectation of each phase is written down by the
driver as it acts, from the world it built, never read back from the service.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from tests.fault.world import COMPANY, START, Invoice
from workers.domain.case_status import STOP_CODE_FOR_STATUS
from workers.scenario.stack import Stack

CENT = Decimal("0.01")
BASE_TIME = dt.datetime.combine(START, dt.time(8, 0), tzinfo=dt.UTC)


@dataclass
class Expected:
    """What must be true at the end, recorded while acting."""

    eligible: set[str] = field(default_factory=set)
    ineligible: set[str] = field(default_factory=set)
    final_status: dict[str, str] = field(default_factory=dict)
    payments: dict[str, list[Decimal]] = field(default_factory=lambda: defaultdict(list))
    credits: dict[str, list[Decimal]] = field(default_factory=lambda: defaultdict(list))
    statements: Counter = field(default_factory=Counter)
    settled: set[str] = field(default_factory=set)
    duplicates_sent: Counter = field(default_factory=Counter)


class PhaseTimeout(AssertionError):
    pass


@dataclass
class Driver:
    stack: Stack
    group: list[Invoice]
    rng: random.Random
    say: Callable[[str], None] = print
    expected: Expected = field(default_factory=Expected)
    case_no: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.http = httpx.Client(timeout=120)
        self.by_case = {i.case_id: i for i in self.group}
        for invoice in self.group:
            (self.expected.eligible if invoice.eligible else self.expected.ineligible).add(invoice.case_id)

    # ---- reading the outside world ----------------------------------------------------------
    def m3(self) -> dict[str, Any]:
        return self.http.get(f"{self.stack.m3_url}/_sandbox/state").json()

    def partners(self) -> dict[str, Any]:
        return self.http.get(f"{self.stack.partner_url}/_sandbox/state").json()["partners"]

    def claims(self) -> dict[str, list[dict[str, Any]]]:
        """Every registration the partners hold or rejected, by our reference (= case id)."""
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for book in self.partners().values():
            for claim in (*book["cases"], *book["rejections"]):
                found[claim["reference"]].append(claim)
        return found

    def wait_until(self, what: str, missing: Callable[[], int], timeout_s: float) -> float:
        started = time.monotonic()
        left = missing()
        while left:
            if time.monotonic() - started > timeout_s:
                raise PhaseTimeout(f"{what}: still {left} missing after {timeout_s:.0f}s")
            time.sleep(2.0)
            left = missing()
        took = time.monotonic() - started
        self.say(f"  {what}: done after {took:.0f}s")
        return took

    def _post(self, url: str, body: dict[str, Any]) -> httpx.Response:
        response = self.http.post(url, json=body)
        if response.status_code >= 400:
            raise AssertionError(f"POST {url} {body} -> {response.status_code} {response.text[:300]}")
        return response

    # ---- phase 1: overdue invoices reach M3's ingress, some twice ----------------------------------
    def hand_over(self, timeout_s: float) -> None:
        def overdue(invoice: Invoice) -> None:
            body = {"division": invoice.division, "invoice": invoice.number, "year": START.year, "reminders": 2,
                    "last_reminder": (START - dt.timedelta(days=3)).isoformat()}
            self._post(f"{self.stack.m3_url}/_sandbox/overdue", body)

        twice = [i for i in self.group if self.rng.random() < 0.05]
        self.expected.duplicates_sent["overdue_resent"] = len(twice)
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(overdue, [*self.group, *twice]))
        self.say(f"  {len(self.group)} overdue events sent, {len(twice)} of them again")
        self.wait_until("every eligible invoice registered at its partner",
                        lambda: len(self.expected.eligible - set(self.claims())), timeout_s)

    # ---- phase 2: receipts and statuses, some older ones arriving last ----------------------------
    def partner_answers(self, timeout_s: float) -> None:
        late = 0
        for number, case_id in enumerate(sorted(self.expected.eligible), start=1):
            partner = self.by_case[case_id].partner
            case_no = f"{partner[0]}{number:07d}"
            admin = f"{self.stack.partner_url}/_sandbox/{partner}"
            self._post(f"{admin}/receipt", {"reference": case_id, "case_no": case_no,
                                            "at": _at(minutes=10)})
            final = "dispute" if self.rng.random() < 0.1 else "collection"
            self._post(f"{admin}/status", {"case_no": case_no, "status": final, "at": _at(minutes=120)})
            if self.rng.random() < 0.1:
                self._post(f"{admin}/status", {"case_no": case_no, "status": "reminder", "at": _at(minutes=60)})
                late += 1
            self.expected.final_status[case_id] = final
            self.case_no[case_id] = case_no
        self.expected.duplicates_sent["statuses_out_of_order"] = late
        self.say(f"  {len(self.expected.eligible)} receipts and statuses sent, {late} older statuses after newer")
        self.wait_until("M3 shows every case's partner status", self._stops_missing, timeout_s)

    def _stops_missing(self) -> int:
        invoices = {f"{COMPANY}/{i['division']}/{i['invoice']}/{i['year']}": i for i in self.m3()["invoices"]}
        return sum(1 for case_id, status in self.expected.final_status.items()
                   if invoices[case_id]["reminder_stop"] != STOP_CODE_FOR_STATUS[status]
                   and case_id not in self.expected.settled)

    # ---- phase 3: customers pay the creditor directly; credit notes --------------------------------
    def direct_money(self, timeout_s: float) -> None:
        m3 = {f"{COMPANY}/{i['division']}/{i['invoice']}/{i['year']}": i for i in self.m3()["invoices"]}
        for case_id in sorted(self.expected.eligible):
            open_amount = Decimal(m3[case_id]["open_amount"])
            for kind, chance, share, function in (("payment", 0.25, (10, 40), "AB10-001"),
                                                 ("credit", 0.10, (5, 20), "AB10-020")):
                if self.rng.random() >= chance:
                    continue
                amount = (open_amount * Decimal(self.rng.randint(*share)) / 100).quantize(CENT)
                invoice = self.by_case[case_id]
                self._post(f"{self.stack.m3_url}/_sandbox/postings", {
                    "division": invoice.division, "invoice": invoice.number, "year": START.year, "kind": kind,
                    "amount": f"{amount:.2f}", "function": function, "date": START.isoformat()})
                (self.expected.payments if kind == "payment" else self.expected.credits)[case_id].append(amount)
                open_amount -= amount
        self.say(f"  {sum(map(len, self.expected.payments.values()))} direct payments and "
                 f"{sum(map(len, self.expected.credits.values()))} credit notes booked in M3")
        self.wait_until("every payment and credit forwarded to the partner", self._money_missing, timeout_s)

    def _money_missing(self) -> int:
        claims = self.claims()
        missing = 0
        for case_id in self.expected.eligible:
            held = claims[case_id][0]
            missing += sum((Counter(self.expected.payments.get(case_id, [])) - Counter(map(Decimal, held["direct_payments"]))).values())
            missing += sum((Counter(self.expected.credits.get(case_id, [])) - Counter(map(Decimal, held["credits"]))).values())
        return missing

    # ---- phase 4: the partner closes cases settled and pays out, one payout twice ------------------
    def settlements(self, timeout_s: float, batch: int = 60) -> None:
        claims = self.claims()
        chosen = sorted(c for c, s in self.expected.final_status.items() if s == "collection" and self.rng.random() < 0.4)
        by_partner: dict[str, list[str]] = defaultdict(list)
        for case_id in chosen:
            partner = self.by_case[case_id].partner
            self._post(f"{self.stack.partner_url}/_sandbox/{partner}/status",
                       {"case_no": self.case_no[case_id], "status": "closed_settled", "at": _at(minutes=240)})
            self.expected.final_status[case_id] = "closed_settled"
            self.expected.settled.add(case_id)
            by_partner[partner].append(case_id)
        sent = 0
        for partner, cases in sorted(by_partner.items()):
            for start in range(0, len(cases), batch):
                part = cases[start:start + batch]
                settlement = f"{partner}-F{start // batch + 1:04d}"
                body = {"settlement": settlement, "date": START.isoformat(),
                        "lines": [_line(self.case_no[c], Decimal(claims[c][0]["balance"])) for c in part]}
                copies = 2 if sent == 0 else 1
                for _ in range(copies):
                    self._post(f"{self.stack.partner_url}/_sandbox/{partner}/settlement", body)
                for division in sorted({self.by_case[c].division for c in part}):
                    self.expected.statements[(f"{partner}/{settlement}", division)] += 1
                sent += 1
        self.expected.duplicates_sent["settlement_resent"] = 1 if sent else 0
        self.say(f"  {len(chosen)} cases closed settled in {sent} settlements (the first one sent twice)")
        self.wait_until("every settlement booked in M3", self._statements_missing, timeout_s)

    def _statements_missing(self) -> int:
        booked = Counter((s["settlement"], s["division"]) for s in self.m3()["statements"])
        return sum(1 for key in self.expected.statements if not booked[key]) + self._stops_missing_settled()

    def _stops_missing_settled(self) -> int:
        invoices = {f"{COMPANY}/{i['division']}/{i['invoice']}/{i['year']}": i for i in self.m3()["invoices"]}
        return sum(1 for case_id in self.expected.settled if invoices[case_id]["reminder_stop"] != 9)


def _at(minutes: int) -> str:
    return (BASE_TIME + dt.timedelta(minutes=minutes)).isoformat()


def _line(case_no: str, principal: Decimal) -> dict[str, str]:
    interest = (principal * Decimal("0.02")).quantize(CENT)
    fee_vat_base = min((principal * Decimal("0.10")).quantize(CENT), Decimal("1000.00"))
    fee_vat = (fee_vat_base * Decimal("0.25")).quantize(CENT)
    return {"case_no": case_no, "principal": f"{principal:.2f}", "interest": f"{interest:.2f}",
            "fee_vat_base": f"{fee_vat_base:.2f}", "fee_vat": f"{fee_vat:.2f}",
            "payout": f"{principal + interest - fee_vat:.2f}"}
