"""Reading partner payouts into partner.remittance: case ids from references or the index."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from workers.adapters.partner.models import Settlement, SettlementLine, SettlementSummary
from workers.partner_gateway.settlements import read_settlements


class FakeState:
    def __init__(self) -> None:
        self.cursors: dict[bytes, bytes] = {}

    def cursor(self, key: str) -> str | None:
        raw = self.cursors.get(key.encode())
        return raw.decode() if raw else None

    def case_id(self, partner: str, case_no: str) -> str | None:
        return {"K-2": "100/001/2/2025"}.get(case_no)


class FakeClient:
    def __init__(self, settlement: Settlement, copies: int = 1) -> None:
        self.settlement_ = settlement
        self.copies = copies

    async def settlements(self, since=None):
        summary = SettlementSummary(settlement_id=self.settlement_.settlement_id, date=self.settlement_.date,
                                    currency="NOK", payout_total=Decimal("150.00"), line_count=3)
        return [summary] * self.copies, "c1"

    async def settlement(self, settlement_id):
        return self.settlement_


SETTLEMENT = Settlement(settlement_id="S-1", date=date(2026, 3, 11), currency="NOK", payout_total=Decimal("150.00"),
                        lines=(SettlementLine(case_no="K-1", reference="100/001/1/2025", principal=Decimal("100.00")),
                               SettlementLine(case_no="K-2", principal=Decimal("50.00")),
                               SettlementLine(case_no="K-3", principal=Decimal("1.00"))))


async def test_lines_name_their_case_by_reference_or_index():
    out, cursor = await read_settlements(FakeClient(SETTLEMENT), FakeState(), "INTRUM")
    assert cursor == "c1"
    [(topic, envelope)] = out
    assert topic == "partner.remittance" and envelope.key == "INTRUM/S-1"
    assert [line.case_id for line in envelope.payload.lines] == ["100/001/1/2025", "100/001/2/2025", None]


async def test_ids_repeat_on_re_read_and_differ_for_a_second_copy():
    first, _ = await read_settlements(FakeClient(SETTLEMENT), FakeState(), "INTRUM")
    again, _ = await read_settlements(FakeClient(SETTLEMENT), FakeState(), "INTRUM")
    twice, _ = await read_settlements(FakeClient(SETTLEMENT, copies=2), FakeState(), "INTRUM")
    assert first[0][1].event_id == again[0][1].event_id == twice[0][1].event_id
    assert twice[1][1].event_id != twice[0][1].event_id
