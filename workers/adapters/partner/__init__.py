"""REST adapter for debt-collection partners (modelled on Kravia's public collection API).

The partner gateway builds one ``PartnerRestClient`` per partner from configuration: base
URL, an auth strategy whose secrets are named by ``SecretRef`` (env var or file), and a
``StatusMapping``. Webhook receivers use ``verify_signature`` and ``MessageDeduplicator``.
"""

from workers.adapters.partner.auth import ApiKeyAuth, ClientCredentialsAuth, PartnerAuth, make_auth
from workers.adapters.partner.case_index import CaseIndex, CaseIndexConflict, InMemoryCaseIndex
from workers.adapters.partner.credentials import MissingSecret, SecretRef
from workers.adapters.partner.errors import (
    AuthenticationFailed,
    PartnerError,
    PartnerProtocolError,
    PartnerRequestError,
    PartnerUnavailable,
)
from workers.adapters.partner.models import (
    ActionResult,
    Address,
    CaseDetails,
    CaseRegistration,
    Debtor,
    InvoiceData,
    RegistrationResult,
    Settlement,
    SettlementLine,
    SettlementSummary,
    StatusChange,
)
from workers.adapters.partner.rest_client import PartnerRestClient
from workers.adapters.partner.retry import RetryPolicy
from workers.adapters.partner.status_mapping import (
    CANONICAL_STATUSES,
    DEFAULT_STATUS_MAPPING,
    StatusMapping,
    UnmappedStatusError,
)
from workers.adapters.partner.webhooks import (
    MessageDeduplicator,
    SignatureError,
    WebhookNotification,
    parse_notification,
    sign,
    verify_signature,
)

__all__ = [
    "CANONICAL_STATUSES",
    "DEFAULT_STATUS_MAPPING",
    "ActionResult",
    "Address",
    "ApiKeyAuth",
    "AuthenticationFailed",
    "CaseDetails",
    "CaseIndex",
    "CaseIndexConflict",
    "CaseRegistration",
    "ClientCredentialsAuth",
    "Debtor",
    "InMemoryCaseIndex",
    "InvoiceData",
    "MessageDeduplicator",
    "MissingSecret",
    "PartnerAuth",
    "PartnerError",
    "PartnerProtocolError",
    "PartnerRequestError",
    "PartnerRestClient",
    "PartnerUnavailable",
    "RegistrationResult",
    "RetryPolicy",
    "SecretRef",
    "Settlement",
    "SettlementLine",
    "SettlementSummary",
    "SignatureError",
    "StatusChange",
    "StatusMapping",
    "UnmappedStatusError",
    "WebhookNotification",
    "make_auth",
    "parse_notification",
    "sign",
    "verify_signature",
]
