"""The comparison itself: three views in, every discrepancy out. Pure: no Kafka, no HTTP.
Rules a finance person can check by hand, case by case:
- the partner must hold exactly one live case under our reference, with our case number and a
  status whose reminder-stop code is the one our log reached;
- M3 must have the invoice in collection with that same code;
- M3's open amount must be our open amount plus any settled principal M3 has not booked yet;
  the partner's balance (while its case is open) our open amount — or, for partners that keep
  collected principal on the balance until the case closes, our open amount plus the principal
  they already paid out;
- a case closed settled with money still open in M3 waits for a settlement: listed until it
  comes; a settlement line accepted but never confirmed by M3 is money in the bank not booked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial

from workers.domain.case_status import STOP_CODE_FOR_STATUS
from workers.reconciliation.model import Discrepancy, LogCase, M3Invoice, PartnerCase, Views

PARTNER_CODES = {"registered": 1, **{status: int(code) for status, code in STOP_CODE_FOR_STATUS.items()}}
CLOSED = frozenset({"closed_settled", "closed_unsettled"})
Make = Callable[..., Discrepancy]


def compare(views: Views) -> list[Discrepancy]:
    found: list[Discrepancy] = []
    for case in views.log.values():
        if views.covers(case.division, case.partner):
            found += case_discrepancies(case, views)
    found += _only_in_m3(views)
    found += _settlement_parts(views)
    return sorted(found, key=Discrepancy.sort_key)


def case_discrepancies(case: LogCase, views: Views) -> list[Discrepancy]:
    make = partial(Discrepancy, division=case.division, partner=case.partner, case_id=case.case_id,
                   currency=case.currency)
    found: list[Discrepancy] = []
    held = _partner(case, views.partner.get(case.case_id, ()), make, found) \
        if case.partner in views.partners_read else None
    m3 = views.m3.get(case.case_id)
    if case.division in views.m3_divisions:
        found += _m3(case, m3, make)
    else:
        m3 = None
    found += _amounts(case, m3, held, make)
    found += _not_booked(case, m3, held, make)
    return found


def _partner(case: LogCase, cases: tuple[PartnerCase, ...], make: Make, found: list[Discrepancy]) -> PartnerCase | None:
    live = [p for p in cases if p.status != "rejected"]
    if not live:
        why = "the partner rejected it" if cases else "the partner holds no case for this reference"
        found.append(make(kind="missing_at_partner", detail=f"our case is {case.state} ({case.status}); {why}",
                          log_amount=case.open_amount))
        return None
    if len(live) > 1:
        numbers = ", ".join(p.case_no or "(no number)" for p in live)
        found.append(make(kind="duplicate_at_partner", detail=f"{len(live)} live cases at the partner: {numbers}"))
    held = next((p for p in live if p.case_no == case.case_no), live[0])
    if held.case_no != case.case_no:
        found.append(make(kind="case_no_mismatch",
                          detail=f"partner case number {held.case_no or 'none'}, our log {case.case_no or 'none'}"))
    code = PARTNER_CODES.get(held.status) if held.status else None
    if code != case.code:
        shown = f"{held.raw_status} ({held.status}, code {code})" if held.status else \
            f"{held.raw_status} (not in the status mapping)"
        found.append(make(kind="status_mismatch", detail=f"partner status {shown}, our log {case.status} "
                                                         f"(code {case.code})"))
    return held


def held_case(case: LogCase, cases: Sequence[PartnerCase]) -> PartnerCase | None:
    """The partner case that counts for ours: the live one with our case number, else the first live one."""
    live = [p for p in cases if p.status != "rejected"]
    return next((p for p in live if p.case_no == case.case_no), live[0] if live else None)


def _m3(case: LogCase, m3: M3Invoice | None, make: Make) -> list[Discrepancy]:
    if m3 is None:
        return [make(kind="missing_in_m3", detail="invoice not found in M3", log_amount=case.open_amount)]
    if m3.reminder_stop == 0 and case.state == "active":
        return [make(kind="missing_in_m3", detail="M3 does not show the invoice in collection (reminder stop 0)",
                     m3_amount=m3.open_amount, log_amount=case.open_amount)]
    if m3.reminder_stop != case.code:
        return [make(kind="status_mismatch", detail=f"M3 reminder stop {m3.reminder_stop}, our log code "
                                                    f"{case.code} ({case.status})")]
    return []


def _amounts(case: LogCase, m3: M3Invoice | None, held: PartnerCase | None, make: Make) -> list[Discrepancy]:
    problems = []
    expected_m3 = case.open_amount + case.unbooked_principal
    if m3 is not None and m3.open_amount != expected_m3:
        booked = f" ({case.open_amount} + {case.unbooked_principal} settled, not booked)" if case.unbooked else ""
        problems.append(f"M3 open {m3.open_amount}, expected {expected_m3}{booked}")
    balance = held.balance if held is not None and held.status not in CLOSED else None
    if balance is not None and balance not in (case.open_amount, case.open_amount + case.settled_principal):
        problems.append(f"partner balance {balance}, our open amount {case.open_amount}")
    if not problems:
        return []
    return [make(kind="amount_mismatch", detail="; ".join(problems), m3_amount=m3.open_amount if m3 else None,
                 partner_amount=held.balance if held else None, log_amount=case.open_amount)]


def _not_booked(case: LogCase, m3: M3Invoice | None, held: PartnerCase | None, make: Make) -> list[Discrepancy]:
    m3_amount = m3.open_amount if m3 is not None else None
    found = [make(kind="closed_settled_not_booked", settlement_id=settlement_id, m3_amount=m3_amount,
                  log_amount=case.open_amount,
                  detail=f"settlement {settlement_id}: principal {principal} accepted, M3 has not confirmed "
                         "its statement")
             for settlement_id, principal in case.unbooked]
    closed_settled = case.code == 9 or (held is not None and held.status == "closed_settled")
    still_open = m3_amount if m3_amount is not None else case.open_amount
    if closed_settled and not case.unbooked and still_open > 0:
        found.append(make(kind="closed_settled_not_booked", m3_amount=m3_amount, log_amount=case.open_amount,
                          detail=f"closed settled, {still_open} still open: no settlement received for it"))
    return found


def _only_in_m3(views: Views) -> Iterator[Discrepancy]:
    for invoice in sorted(views.m3.values(), key=lambda i: i.case_id):
        if invoice.case_id in views.log or not 1 <= invoice.reminder_stop <= 9:
            continue
        partner = invoice.stopped_by or views.division_partner.get(invoice.division, "")
        if views.covers(invoice.division, partner):
            yield Discrepancy("missing_in_log", invoice.division, partner, invoice.case_id,
                              f"M3 shows reminder stop {invoice.reminder_stop} (stopped by "
                              f"{invoice.stopped_by or 'nobody'}); our log has no case",
                              m3_amount=invoice.open_amount, currency=invoice.currency or None)


def _settlement_parts(views: Views) -> Iterator[Discrepancy]:
    for part in views.settlements:
        if not views.covers(part.division, part.partner):
            continue
        make = partial(Discrepancy, division=part.division, partner=part.partner, settlement_id=part.settlement_id)
        for case_id, reason in part.refused:
            yield make(kind="settlement_refused", case_id=case_id, detail=f"line refused by our validation: {reason}")
        if part.posted and not part.balanced:
            yield make(kind="journal_unbalanced", case_id=None, log_amount=part.payout,
                       detail=f"the journal recorded for {part.external_reference} does not balance")
        if (part.posted and views.m3_posted_statements is not None and part.division in views.m3_divisions
                and part.external_reference not in views.m3_posted_statements):
            yield make(kind="closed_settled_not_booked", case_id=None, log_amount=part.payout,
                       detail=f"our log records statement {part.external_reference} as posted; M3 shows no "
                              "posted statement with that reference")
