"""FSLEDG rows as M3 exposes them: the one field layout both MI lists and CMS049 events use.

`invoice_row` is the invoice transaction (TRCD 10) in its current state; `posting_row` is a new
payment or credit transaction against it. Field names without the table prefix (MI style);
`cms049` adds the `ES` column prefix. Transaction codes are tenant configuration in a real M3;
the sandbox uses 10 invoice, 20 payment, 30 credit note applied to the invoice.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sandbox.m3.ledger import Customer, Invoice, Voucher
from sandbox.m3.records import fmt_amount, fmt_date

TRCD_INVOICE = "10"
TRCD_PAYMENT = "20"
TRCD_CREDIT = "30"

FIELDS = ("CONO", "DIVI", "PYNO", "CUNO", "CINO", "INYR", "TRCD", "IVDT", "DUDT", "ACDT", "CUAM",
          "CUCD", "OCUA", "RMBL", "BLBY", "BLDT", "RMQT", "LRDT", "CLCD", "RMCT", "PYRF", "YEA4",
          "JRNO", "JSNO", "FEID", "FNCN")


def invoice_row(company: str, inv: Invoice, customer: Customer | None) -> dict[str, str]:
    rule = inv.reminder_rule or (customer.reminder_rule if customer else "")
    return {
        "CONO": company, "DIVI": inv.division, "PYNO": inv.payer or inv.customer,
        "CUNO": inv.customer, "CINO": inv.invoice, "INYR": str(inv.year), "TRCD": TRCD_INVOICE,
        "IVDT": fmt_date(inv.invoice_date), "DUDT": fmt_date(inv.due_date),
        "ACDT": fmt_date(inv.invoice_date), "CUAM": fmt_amount(inv.amount), "CUCD": inv.currency,
        "OCUA": fmt_amount(inv.open_amount), "RMBL": str(inv.reminder_stop), "BLBY": inv.stopped_by,
        "BLDT": fmt_date(inv.stop_date), "RMQT": str(inv.reminders), "LRDT": fmt_date(inv.last_reminder),
        "CLCD": str(inv.collection_code), "RMCT": rule, "PYRF": inv.kid,
        **_voucher(inv.voucher), "FEID": "", "FNCN": "",
    }


def posting_row(company: str, inv: Invoice, customer: Customer | None, *, trcd: str,
                amount: Decimal, function: str, posted: date, voucher: Voucher) -> dict[str, str]:
    """A payment/credit row: CUAM is M3's sign (negative reduces the receivable), OCUA the
    invoice's open amount after this posting, FEID/FNCN the accounting function."""
    feid, _, fncn = function.partition("-")
    row = invoice_row(company, inv, customer)
    row.update({"TRCD": trcd, "ACDT": fmt_date(posted), "CUAM": fmt_amount(-amount),
                **_voucher(voucher), "FEID": feid, "FNCN": fncn})
    return row


def _voucher(v: Voucher) -> dict[str, str]:
    return {"YEA4": str(v.year), "JRNO": str(v.journal), "JSNO": str(v.sequence)}
