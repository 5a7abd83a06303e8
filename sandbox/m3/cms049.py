"""The JSON body the sandbox POSTs to the service's M3 ingress, modelled on M3's Event
Subscriber Web Service (CMS045 subscription on a table + CMS049 web-service call).

Infor documents that CMS049 sends "the event information in a JSON format", fire-and-forget,
optionally with a user-defined information message; it does not publish a schema, so this is
ours, shaped like an M3 table event:

    {
      "publisher": "M3",
      "document": "FSLEDG",                # the subscribed table
      "operation": "CREATE" | "UPDATE",    # new ledger row (payment/credit) | changed invoice row
      "eventId": "uuid",                   # unique per delivery attempt set (retries reuse it)
      "timestamp": "2026-03-01T10:15:00.123Z",
      "tenant": "SANDBOX_TST",
      "subscription": "DCS_FSLEDG",
      "message": "overdue" | "payment" | "credit" | "settlement",   # CMS049 information message
      "fields": {"ESCONO": "100", "ESDIVI": "001", ...},            # every FSLEDG column, strings
      "oldFields": {"ESRMQT": "1", ...}                              # UPDATE: previous values
    }

Columns carry the table prefix `ES` (ESCINO, ESOCUA, ...); values follow MI conventions (dates
YYYYMMDD, "0" when empty; amounts decimal strings). A posting's unique id is its voucher key
ESYEA4/ESJRNO/ESJSNO within the division. A payment row has ESTRCD 20, a credit 30, and ESOCUA
is the invoice's open amount after the posting; ESFEID/ESFNCN name the FAM function.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Mapping

PREFIX = "ES"


def fsledg_event(fields: Mapping[str, str], *, operation: str, message: str, tenant: str,
                 old_fields: Mapping[str, str] | None = None) -> dict[str, Any]:
    now = datetime.now(timezone.utc)
    body: dict[str, Any] = {
        "publisher": "M3",
        "document": "FSLEDG",
        "operation": operation,
        "eventId": str(uuid.uuid4()),
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "tenant": tenant,
        "subscription": "DCS_FSLEDG",
        "message": message,
        "fields": {PREFIX + k: str(v) for k, v in fields.items()},
    }
    if old_fields:
        body["oldFields"] = {PREFIX + k: str(v) for k, v in old_fields.items()}
    return body
