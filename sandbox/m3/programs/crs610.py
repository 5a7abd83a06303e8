"""CRS610MI: customer master. Basic data (name, address, contact) and financial data.

Private debtors are customer type CUTP 1 (a tenant convention: M3 has no "private" flag), the
national id lives in PNID (tenants keep it in a custom field), and CLCD 1 blocks the customer
from debt collection.
"""

from __future__ import annotations

from sandbox.m3.ledger import Customer
from sandbox.m3.programs import Record, transaction
from sandbox.m3.programs.common import check_company
from sandbox.m3.records import NOT_FOUND, MIError, required
from sandbox.m3.state import SandboxState


def _customer(state: SandboxState, record: Record) -> Customer:
    check_company(state, record)
    cuno = required(record, "CUNO")
    customer = state.customers.get(cuno)
    if customer is None:
        raise MIError(f"Customer number {cuno} does not exist", NOT_FOUND, "CUNO")
    return customer


@transaction("CRS610MI", "GetBasicData")
def basic_data(state: SandboxState, record: Record) -> list[Record]:
    c = _customer(state, record)
    lines = (c.address_lines + ["", "", "", ""])[:4]
    return [{
        "CONO": state.company, "CUNO": c.customer, "CUNM": c.name,
        "CUA1": lines[0], "CUA2": lines[1], "CUA3": lines[2], "CUA4": lines[3],
        "PONO": c.postcode, "TOWN": c.city, "CSCD": c.country, "EMAL": c.email, "PHNO": c.phone,
        "CUTP": "1" if c.private else "0", "STAT": "20",
    }]


@transaction("CRS610MI", "GetFinancial")
def financial(state: SandboxState, record: Record) -> list[Record]:
    c = _customer(state, record)
    return [{
        "CONO": state.company, "CUNO": c.customer, "CORG": c.org_no, "PNID": c.national_id,
        "RMCT": c.reminder_rule, "CLCD": "1" if c.collection_blocked else "0",
    }]
