"""Case status (DOMAIN §2.2) and what M3 shows of it (§2.1 steps 4–5)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workers.domain.case_status import (
    PARTNER_STATUSES,
    STOP_CODE_FOR_STATUS,
    Applied,
    CaseStatusState,
    Ignored,
    ReminderStop,
    StatusReport,
    after_receipt,
    after_rejection,
    apply_status,
    canonical_status,
    is_closed,
)
from workers.domain.m3_effects import (
    ACTIVE_CASE,
    CLOSED_CASE,
    ORIGINAL_CASE,
    M3Effects,
    on_receipt,
    on_registration,
    on_rejection,
    on_status,
)

T0 = datetime(2026, 2, 21, 9, 0, tzinfo=timezone.utc)
TODAY = date(2026, 2, 21)
OPEN_STATUSES = ["acknowledged", "reminder", "collection", "dispute", "conciliation_board", "legal"]


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def acknowledged() -> CaseStatusState:
    return after_receipt(CaseStatusState())


def test_the_code_table():
    assert {s: int(c) for s, c in STOP_CODE_FOR_STATUS.items()} == {
        "acknowledged": 2, "reminder": 2, "collection": 3, "dispute": 4,
        "conciliation_board": 5, "legal": 6, "closed_unsettled": 8, "closed_settled": 9,
    }
    assert set(STOP_CODE_FOR_STATUS) == PARTNER_STATUSES
    assert (ReminderStop.NONE, ReminderStop.SENT_PARTNER) == (0, 1)


@pytest.mark.parametrize("code", range(10))
def test_only_eight_and_nine_are_closed(code):
    assert is_closed(code) == (code in (8, 9))


def test_a_new_case_is_sent_partner_and_the_receipt_acknowledges_it():
    assert CaseStatusState().code == 1
    assert acknowledged().code == 2
    moved = apply_status(acknowledged(), StatusReport("collection", at(0))).state
    assert after_receipt(moved).code == 3
    assert after_rejection(CaseStatusState()).code == 0


@pytest.mark.parametrize("start", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("status", sorted(PARTNER_STATUSES))
def test_every_transition_from_every_open_code(start, status):
    state = CaseStatusState(code=start, partner_time=at(0))
    decision = apply_status(state, StatusReport(status, at(1), raw_status=f"RAW-{status}", sub_status="x"))
    assert isinstance(decision, Applied)
    assert decision.new_code == STOP_CODE_FOR_STATUS[status]
    assert decision.old_code == start
    assert decision.code_changed == (decision.new_code != start)
    assert decision.state.code == decision.new_code
    assert (decision.state.status, decision.state.partner_time) == (status, at(1))
    assert (decision.state.raw_status, decision.state.sub_status) == (f"RAW-{status}", "x")


@pytest.mark.parametrize("closed", ["closed_unsettled", "closed_settled"])
@pytest.mark.parametrize("status", sorted(PARTNER_STATUSES))
def test_nothing_moves_a_case_out_of_closed(closed, status):
    state = apply_status(acknowledged(), StatusReport(closed, at(0))).state
    decision = apply_status(state, StatusReport(status, at(5)))
    assert isinstance(decision, Ignored) and decision.reason == "case closed"
    assert decision.state.code == STOP_CODE_FOR_STATUS[closed]


def test_an_older_status_arriving_late_changes_nothing():
    state = apply_status(acknowledged(), StatusReport("dispute", at(10))).state
    decision = apply_status(state, StatusReport("collection", at(5)))
    assert decision == Ignored("stale", decision.state)
    assert decision.state.code == 4 and decision.state.status == "dispute"
    assert ("collection", at(5)) in decision.state.seen


def test_an_older_close_arriving_late_does_not_close():
    state = apply_status(acknowledged(), StatusReport("legal", at(10))).state
    assert apply_status(state, StatusReport("closed_settled", at(1))).reason == "stale"


def test_a_duplicate_changes_nothing():
    first = apply_status(acknowledged(), StatusReport("collection", at(1)))
    again = apply_status(first.state, StatusReport("collection", at(1)))
    assert again == Ignored("duplicate", first.state)


def test_a_duplicate_of_the_closing_status_is_a_duplicate():
    closed = apply_status(acknowledged(), StatusReport("closed_settled", at(1))).state
    assert apply_status(closed, StatusReport("closed_settled", at(1))).reason == "duplicate"


def test_a_late_stale_report_is_remembered_so_its_redelivery_is_a_duplicate():
    state = apply_status(acknowledged(), StatusReport("dispute", at(10))).state
    stale = apply_status(state, StatusReport("collection", at(5)))
    assert apply_status(stale.state, StatusReport("collection", at(5))).reason == "duplicate"


@pytest.mark.parametrize(("first", "second"), [("dispute", "collection"), ("collection", "dispute"),
                                               ("legal", "reminder"), ("reminder", "legal")])
def test_open_codes_move_in_either_direction(first, second):
    state = apply_status(acknowledged(), StatusReport(first, at(1))).state
    decision = apply_status(state, StatusReport(second, at(2)))
    assert isinstance(decision, Applied) and decision.new_code == STOP_CODE_FOR_STATUS[second]


def test_same_time_different_status_is_not_older():
    state = apply_status(acknowledged(), StatusReport("collection", at(1))).state
    assert isinstance(apply_status(state, StatusReport("dispute", at(1))), Applied)


def test_statuses_after_a_rejection_change_nothing():
    rejected = after_rejection(CaseStatusState())
    assert apply_status(rejected, StatusReport("collection", at(1))).reason == "no case"


def test_partner_status_words_map_to_canonical():
    mapping = {"INK": "collection", "AVSL": "closed_settled"}
    assert canonical_status("INK", mapping) == "collection"
    assert canonical_status("dispute", mapping) == "dispute"
    assert canonical_status("dispute", None) == "dispute"
    assert canonical_status("UKJENT", mapping) is None


# M3 effects


def test_registration_stops_reminders_at_once():
    assert on_registration("INTRUM", TODAY) == M3Effects(1, "INTRUM", TODAY)


def test_receipt_acknowledges_and_stores_the_case_number_twice():
    effects = on_receipt(1, "INTRUM", "13563917", TODAY)
    assert (effects.reminder_stop, effects.stopped_by, effects.stop_date) == (2, "INTRUM", TODAY)
    assert effects.info_add == {ACTIVE_CASE: "13563917", ORIGINAL_CASE: "13563917"}
    assert effects.info_remove == frozenset()
    assert (ACTIVE_CASE, ORIGINAL_CASE, CLOSED_CASE) == (998, 999, 997)


def test_a_receipt_after_a_status_keeps_the_code():
    effects = on_receipt(3, "INTRUM", "13563917", TODAY)
    assert effects.reminder_stop is None
    assert effects.info_add == {998: "13563917", 999: "13563917"}


def test_a_receipt_for_a_closed_case_adds_no_active_marker():
    assert on_receipt(9, "INTRUM", "1", TODAY).info_add == {997: "1", 999: "1"}


def test_rejection_clears_the_stop():
    assert on_rejection() == M3Effects(0, None, None)


@pytest.mark.parametrize("status", OPEN_STATUSES)
def test_open_status_effects_set_code_partner_and_date(status):
    decision = apply_status(CaseStatusState(code=1), StatusReport(status, at(1)))
    effects = on_status(decision, "INTRUM", "13563917", TODAY)
    assert effects == M3Effects(STOP_CODE_FOR_STATUS[status], "INTRUM", TODAY)


@pytest.mark.parametrize(("status", "code"), [("closed_unsettled", 8), ("closed_settled", 9)])
def test_close_swaps_998_for_997_and_keeps_999(status, code):
    decision = apply_status(acknowledged(), StatusReport(status, at(1)))
    effects = on_status(decision, "INTRUM", "13563917", date(2026, 3, 11))
    assert effects.reminder_stop == code
    assert (effects.stopped_by, effects.stop_date) == ("INTRUM", date(2026, 3, 11))
    assert effects.info_add == {CLOSED_CASE: "13563917"}
    assert effects.info_remove == frozenset({ACTIVE_CASE})
    assert ORIGINAL_CASE not in effects.info_remove


def test_no_effects_when_the_code_does_not_change_or_the_status_is_ignored():
    reminder = apply_status(acknowledged(), StatusReport("reminder", at(1)))
    assert isinstance(reminder, Applied) and not reminder.code_changed
    assert on_status(reminder, "INTRUM", "1", TODAY) is None
    stale = apply_status(reminder.state, StatusReport("collection", at(0)))
    assert on_status(stale, "INTRUM", "1", TODAY) is None


def _info_after(effects_list: list[M3Effects]) -> dict[int, str]:
    info: dict[int, str] = {}
    for effects in effects_list:
        for category in effects.info_remove:
            info.pop(category, None)
        info.update(effects.info_add)
    return info


def test_the_scenario_ends_with_997_and_999():
    state = CaseStatusState()
    effects = [on_registration("INTRUM", TODAY), on_receipt(state.code, "INTRUM", "13563917", TODAY)]
    state = after_receipt(state)
    for minutes, status in enumerate(["collection", "closed_settled"]):
        decision = apply_status(state, StatusReport(status, at(minutes)))
        effects.append(on_status(decision, "INTRUM", "13563917", date(2026, 3, 11)))
        state = decision.state
    assert _info_after(effects) == {997: "13563917", 999: "13563917"}
    assert [e.reminder_stop for e in effects] == [1, 2, 3, 9]


reports = st.builds(
    StatusReport,
    status=st.sampled_from(sorted(PARTNER_STATUSES)),
    partner_time=st.integers(0, 30).map(at),
)


@given(st.lists(reports, max_size=12))
def test_property_the_code_follows_the_newest_status_until_closed(sequence):
    state = acknowledged()
    for report in sequence:
        before = state
        decision = apply_status(state, report)
        state = decision.state
        if is_closed(before.code):
            assert state.code == before.code
        if isinstance(decision, Applied):
            assert before.partner_time is None or report.partner_time >= before.partner_time
        assert apply_status(state, report).reason == "duplicate"
    applied_times = [t for _, t in state.seen]
    if state.partner_time is not None and not is_closed(state.code):
        assert state.partner_time == max(applied_times)
