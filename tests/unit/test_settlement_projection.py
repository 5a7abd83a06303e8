"""`dcs settlements` folds settlements from case.events: lines, confirmed journal, discrepancies."""

from workers.projections.settlements import settlements


def event(case_id, event_type, **payload):
    return {"case_id": case_id, "type": f"case.{event_type}", "payload": payload}


def test_a_settlement_per_division_with_its_journal_and_discrepancies():
    journal = [{"account": "2902", "debit": "950.00", "credit": "0.00", "text": "x"},
               {"account": "1500", "debit": "0.00", "credit": "950.00", "text": "x"}]
    views = settlements([
        event("100/001/1/2025", "settlement_line_accepted", settlement_id="INTRUM/S1", principal="950.00",
              payout="950.00", open_amount_after="0.00"),
        event("100/001/2/2025", "settlement_discrepancy", settlement_id="INTRUM/S1", reason="fee VAT off"),
        event("100/001/1/2025", "statement_posted", settlement_id="INTRUM/S1", division="001", journal=journal),
    ])
    view = views[("INTRUM/S1", "001")]
    assert view.partner == "INTRUM" and str(view.payout) == "950.00"
    assert view.posted and view.balanced and len(view.discrepancies) == 1
    assert view.as_dict()["journal"][0]["case_id"] == "100/001/1/2025"
