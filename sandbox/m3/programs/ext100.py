"""EXT100MI: the tenant's XtendM3 transactions for what no standard API writes.

M3 has no standard MI to set an invoice's payment reminder stop (RMBL/BLBY/BLDT) and writing
the collection categories 997-999 through ARS251MI is unverified, so real installations add a
custom transaction set. This is the sandbox tenant's; the names below are the tenant's choice
and the adapter's `CustomTransactionSet` must name the same ones.
"""

from __future__ import annotations

from sandbox.m3.programs import Record, transaction
from sandbox.m3.programs.common import invoice_by_key
from sandbox.m3.records import ALREADY_EXISTS, INVALID, NOT_FOUND, MIError, optional, parse_date, required
from sandbox.m3.state import SandboxState

PROGRAM = "EXT100MI"
SET_REMIND_STOP = "SetRemindStop"
ADD_CASE_INFO = "AddCaseInfo"
DLT_CASE_INFO = "DltCaseInfo"
LST_CASE_INFO = "LstCaseInfo"


@transaction(PROGRAM, SET_REMIND_STOP)
def set_remind_stop(state: SandboxState, record: Record) -> list[Record]:
    """Set-to-value: RMBL 0-9, BLBY (blank clears), BLDT (0/blank clears)."""
    inv = invoice_by_key(state, record)
    code = optional(record, "RMBL", "0") or "0"
    if not (len(code) == 1 and code.isdigit()):
        raise MIError(f"Payment reminder stop {code} is invalid", INVALID, "RMBL")
    stop_date = parse_date(optional(record, "BLDT"), "BLDT")
    inv.reminder_stop, inv.stopped_by, inv.stop_date = int(code), optional(record, "BLBY"), stop_date
    return []


@transaction(PROGRAM, ADD_CASE_INFO)
def add_case_info(state: SandboxState, record: Record) -> list[Record]:
    inv = invoice_by_key(state, record)
    category, value = required(record, "SEXN"), required(record, "SEXI")
    if category in inv.info:
        raise MIError(f"Information category {category} already exists", ALREADY_EXISTS, "SEXN")
    inv.info[category] = value
    return []


@transaction(PROGRAM, DLT_CASE_INFO)
def delete_case_info(state: SandboxState, record: Record) -> list[Record]:
    inv = invoice_by_key(state, record)
    category = required(record, "SEXN")
    if category not in inv.info:
        raise MIError(f"Information category {category} does not exist", NOT_FOUND, "SEXN")
    del inv.info[category]
    return []


@transaction(PROGRAM, LST_CASE_INFO)
def list_case_info(state: SandboxState, record: Record) -> list[Record]:
    inv = invoice_by_key(state, record)
    return [{"DIVI": inv.division, "CINO": inv.invoice, "INYR": str(inv.year), "SEXN": k, "SEXI": v}
            for k, v in sorted(inv.info.items())]
