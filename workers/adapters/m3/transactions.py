"""Every M3 program and transaction name the adapter uses, in one place.

Standard programs are Infor's. The custom set (reminder stop and case info) is an XtendM3
extension each tenant installs under its own names, so it is configuration: map a tenant's
names by constructing `CustomTransactionSet(...)`. How M3 words "already exists" / "does not
exist" errors depends on the tenant's message files; the codes here are the sandbox's, and the
text match is the fallback.
"""

from __future__ import annotations

from dataclasses import dataclass

from workers.adapters.m3.errors import M3Error

ARS200MI = "ARS200MI"
LST_INV_BY_DIVI = "LstInvByDivi"
GET_INV_TOT_INFO = "GetInvTotInfo"

CRS610MI = "CRS610MI"
GET_BASIC_DATA = "GetBasicData"
GET_FINANCIAL = "GetFinancial"

ARS251MI = "ARS251MI"
LST_INV_INFO = "LstInvInfo"
ADD_INFO_CAT = "AddInfoCat"
DLT_INFO_CAT = "DltInfoCat"
LST_INFO_PER_ADD_NO = "LstInfoPerAddNo"


@dataclass(frozen=True)
class CustomTransactionSet:
    program: str = "EXT100MI"
    set_reminder_stop: str = "SetRemindStop"
    add_case_info: str = "AddCaseInfo"
    delete_case_info: str = "DltCaseInfo"
    list_case_info: str = "LstCaseInfo"


@dataclass(frozen=True)
class StatementTransactions:
    program: str = "ABS100MI"
    add_head: str = "AddStatmtHead"
    add_line: str = "AddStatmtLine"
    add_detail: str = "AddStatmtDetail"
    list_heads: str = "LstStatmtHead"
    validate: str = "ValidateStatmt"


ALREADY_EXISTS_CODES = frozenset({"XRE0103"})
NOT_FOUND_CODES = frozenset({"XRE0104"})


def is_already_exists(error: M3Error) -> bool:
    return getattr(error, "code", "") in ALREADY_EXISTS_CODES or "already exists" in error.message.lower()


def is_not_found(error: M3Error) -> bool:
    return getattr(error, "code", "") in NOT_FOUND_CODES or "does not exist" in error.message.lower()
