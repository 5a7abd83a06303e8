"""The pure domain core: configuration, eligibility, case status, settlement accounting.

No Kafka, no I/O, no logging here: workers call these functions and carry out the results.
"""

from workers.domain.case_status import (
    Applied,
    CaseStatusState,
    Ignored,
    PartnerStatus,
    ReminderStop,
    StatusReport,
    apply_status,
    is_closed,
)
from workers.domain.configuration import Configuration, ConfigurationError, load_configuration
from workers.domain.eligibility import Defer, Eligible, OverdueInvoice, Skip, check_eligibility
from workers.domain.journal import JournalLine, is_balanced, journal
from workers.domain.m3_effects import M3Effects
from workers.domain.settlement import Accepted, Discrepancy, settle_line
from workers.domain.settlement_line import SettlementLine, computed_payout, validate_line
from workers.domain.statement import Detail, statement_details

__all__ = [
    "Accepted",
    "Applied",
    "CaseStatusState",
    "Configuration",
    "ConfigurationError",
    "Defer",
    "Detail",
    "Discrepancy",
    "Eligible",
    "Ignored",
    "JournalLine",
    "M3Effects",
    "OverdueInvoice",
    "PartnerStatus",
    "ReminderStop",
    "SettlementLine",
    "Skip",
    "StatusReport",
    "apply_status",
    "check_eligibility",
    "computed_payout",
    "is_balanced",
    "is_closed",
    "journal",
    "load_configuration",
    "settle_line",
    "statement_details",
    "validate_line",
]
