"""Replay compares the log's fold with the live table and with M3; every mismatch is named."""

from workers.case_processor.state import CaseState
from workers.projections.replay import against_m3, against_table, replay

CASE = "100/001/1/2025"


def events():
    return [
        {"case_id": CASE, "type": "case.handed_over", "occurred_at": "2026-02-20T08:00:00+00:00",
         "payload": {"partner": "INTRUM", "division": "001", "customer": "C1", "amount": "500.00",
                     "open_amount": "500.00", "currency": "NOK", "business_date": "2026-02-20"}},
        {"case_id": CASE, "type": "case.registration_accepted", "occurred_at": "2026-02-21T08:00:00+00:00",
         "payload": {"partner": "INTRUM", "case_no": "K1"}},
    ]


def test_equal_state_has_no_differences():
    table = {CASE: CaseState(case_id=CASE, phase="active", partner="INTRUM", case_no="K1", code=2)}
    invoices = [{"division": "001", "invoice": "1", "year": 2025, "reminder_stop": 2, "info": {"998": "K1", "999": "K1"}},
                {"division": "001", "invoice": "2", "year": 2025, "reminder_stop": 0, "info": {}}]
    rebuilt = replay(events())
    assert against_table(rebuilt, table) == [] and against_m3(rebuilt, invoices, "100") == []


def test_every_mismatch_is_reported():
    table = {CASE: CaseState(case_id=CASE, phase="active", partner="INTRUM", case_no=None, code=1),
             "100/001/9/2025": CaseState(case_id="100/001/9/2025")}
    invoices = [{"division": "001", "invoice": "1", "year": 2025, "reminder_stop": 3, "info": {}}]
    rebuilt = replay(events())
    found = {(d.case_id, d.where, d.field) for d in against_table(rebuilt, table) + against_m3(rebuilt, invoices, "100")}
    assert found == {(CASE, "table", "case_no"), (CASE, "table", "code"), ("100/001/9/2025", "table", "present"),
                     (CASE, "m3", "reminder_stop"), (CASE, "m3", "info")}


def test_as_of_stops_at_the_timestamp():
    from datetime import datetime

    rebuilt = replay(events(), datetime.fromisoformat("2026-02-20T12:00:00+00:00"))
    assert rebuilt[CASE].case_no is None and rebuilt[CASE].code == 1
