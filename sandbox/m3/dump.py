"""`GET /_sandbox/state`: everything the tenant holds, as JSON a scenario check can read.

Friendly keys (reminder_stop, stop_date ISO, open_amount) plus the raw FSLEDG row under
`fsledg`, so both a scenario runner and someone comparing with M3 screens find their names.
National ids, e-mails and phone numbers are left out: this output ends up in RESULT files.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from sandbox.m3.fsledg import invoice_row
from sandbox.m3.ledger import Invoice, Statement
from sandbox.m3.records import fmt_amount
from sandbox.m3.state import SandboxState


def dump(state: SandboxState) -> dict[str, Any]:
    return {
        "tenant": state.tenant.ti,
        "company": state.company,
        "modes": {"naive": state.naive, "fast": state.fast, "allow_overpayment": state.allow_overpayment,
                  "token_ttl": state.token_ttl, "fault": asdict(state.faults.settings),
                  "faults_injected": dict(state.faults.injected)},
        "customers": [{"customer": c.customer, "name": c.name, "org_no": c.org_no, "private": c.private,
                       "reminder_rule": c.reminder_rule, "collection_blocked": c.collection_blocked}
                      for c in state.customers.values()],
        "invoices": [_invoice(state, inv) for inv in state.invoices.values()],
        "statements": [_statement(st) for st in state.statements],
        "journal": [{"settlement": _settlement(j.external_reference), "external_reference": j.external_reference,
                     "division": j.division, "jbno": j.job_number, "line": j.line, "case_id": j.case_id,
                     "account": j.account, "debit": fmt_amount(j.debit), "credit": fmt_amount(j.credit),
                     "text": j.text} for j in state.journal],
        "events": state.ingress.summary(),
        "calls": dict(state.calls),
        "tokens": {"issued": state.tokens.issued, "active": state.tokens.active},
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _invoice(state: SandboxState, inv: Invoice) -> dict[str, Any]:
    return {
        "division": inv.division, "invoice": inv.invoice, "year": inv.year, "customer": inv.customer,
        "amount": fmt_amount(inv.amount), "open_amount": fmt_amount(inv.open_amount),
        "currency": inv.currency, "reminders": inv.reminders, "last_reminder": _iso(inv.last_reminder),
        "reminder_stop": inv.reminder_stop, "stopped_by": inv.stopped_by, "stop_date": _iso(inv.stop_date),
        "info": dict(sorted(inv.info.items())),
        "fsledg": invoice_row(state.company, inv, state.customers.get(inv.customer)),
    }


def _settlement(external_reference: str) -> str:
    return external_reference.rsplit("/", 1)[0]


def _statement(st: Statement) -> dict[str, Any]:
    return {
        "settlement": _settlement(st.external_reference), "external_reference": st.external_reference,
        "division": st.division, "status": st.status, "posted": st.posted,
        "head": {"JBNO": st.job_number, "JBDT": st.job_date, "JBTM": st.job_time, "BKID": st.bank_account,
                 "STDT": _iso(st.statement_date), "CUCD": st.currency},
        "lines": [{"line": ln.number, "amount": fmt_amount(ln.amount), "payer": ln.payer, "text": ln.text,
                   "details": [{"detail": d.number, "type": d.type, "amount": fmt_amount(d.amount),
                                "invoice": d.invoice or None, "year": d.year or None, "kid": d.kid or None}
                               for d in ln.details.values()]}
                  for ln in st.lines.values()],
    }
