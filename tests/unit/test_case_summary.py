"""Folding case events into the one-line view `dcs cases list` shows."""

from decimal import Decimal

from workers.projections.case_summary import summaries

CASE = "100/001/1/2025"


def event(event_type, **payload):
    return {"case_id": CASE, "type": f"case.{event_type}", "payload": payload}


def test_a_case_through_its_life():
    events = [
        event("invoice_deferred", rule="too_early", reason="x", until="2026-01-07", waits_for="date"),
        event("handed_over", partner="INTRUM", division="001", customer="C1", amount="500.00", open_amount="500.00",
              currency="NOK", business_date="2026-01-07"),
        event("registration_accepted", partner="INTRUM", case_no="K1"),
        event("payment_forwarded", kind="payment", amount="100.00", posting_id="P1"),
        event("status_changed", partner="INTRUM", case_no="K1", status="collection", code=3, raw_status="INKASSO",
              partner_time="2026-01-08T00:00:00Z", business_date="2026-01-08"),
        event("settlement_line_accepted", settlement_id="INTRUM/S1", principal="400.00", payout="400.00",
              open_amount_after="0.00"),
        event("status_changed", partner="INTRUM", case_no="K1", status="closed_settled", code=9,
              raw_status="AVSLUTTET_OPPGJORT", partner_time="2026-01-09T00:00:00Z", business_date="2026-01-09"),
        event("invoice_skipped", rule="handed_over_before", reason="closed"),
    ]
    summary = summaries(events)[CASE]
    assert (summary.state, summary.partner, summary.case_no, summary.status, summary.code) == (
        "closed", "INTRUM", "K1", "closed_settled", 9)
    assert summary.forwarded == Decimal("100.00") and summary.settled_principal == Decimal("400.00")
    assert summary.events == 8 and summary.division == "001"


def test_skips_and_rejections():
    skipped = summaries([event("invoice_skipped", rule="credit_item", reason="negative")])[CASE]
    assert (skipped.state, skipped.skip_rule) == ("skipped", "credit_item")
    rejected = summaries([
        event("handed_over", partner="SVEA", division="001", customer="C1", amount="9.00", open_amount="9.00",
              currency="NOK", business_date="2026-01-07"),
        event("registration_rejected", partner="SVEA", reason="debtor unknown")])[CASE]
    assert (rejected.state, rejected.code, rejected.problems) == ("rejected", 0, ("debtor unknown",))


def test_closed_settled_with_money_open_is_awaiting_settlement():
    events = [
        event("handed_over", partner="INTRUM", division="001", customer="C1", amount="500.00", open_amount="500.00",
              currency="NOK", business_date="2026-01-07"),
        event("status_changed", partner="INTRUM", case_no="K1", status="closed_settled", code=9,
              raw_status="AVSLUTTET_OPPGJORT", partner_time="2026-01-09T00:00:00Z", business_date="2026-01-09"),
    ]
    assert summaries(events)[CASE].awaiting_settlement
    settled = events + [event("settlement_line_accepted", settlement_id="INTRUM/S1", principal="500.00",
                              payout="500.00", open_amount_after="0.00")]
    assert not summaries(settled)[CASE].awaiting_settlement
