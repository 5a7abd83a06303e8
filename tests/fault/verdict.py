"""After the storm: count what was lost and what was doubled, against what the driver expected.

Every count is "0 is the only right answer"; the report prints them all with the seed, so a red
run says exactly what went wrong and can be replayed with the same faults.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from tests.fault.run import Expected
from tests.fault.world import COMPANY
from workers.domain.case_status import STOP_CODE_FOR_STATUS


def verdict(expected: Expected, m3: dict[str, Any], partners: dict[str, Any],
            replay_differences: list[Any], dead_letters: int) -> dict[str, int]:
    claims: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for book in partners.values():
        for claim in (*book["cases"], *book["rejections"]):
            claims[claim["reference"]].append(claim)
    counts: dict[str, int] = {
        "cases_expected": len(expected.eligible),
        "cases_missing": sum(1 for c in expected.eligible if not claims.get(c)),
        "cases_doubled": sum(len(claims[c]) - 1 for c in expected.eligible if len(claims.get(c, [])) > 1),
        "cases_for_ineligible": sum(len(claims.get(c, [])) for c in expected.ineligible),
        "cases_rejected": sum(1 for book in partners.values() for _ in book["rejections"]),
    }
    for kind, wanted, field in (("payments", expected.payments, "direct_payments"),
                                ("credits", expected.credits, "credits")):
        missing = doubled = 0
        for case_id in expected.eligible:
            have = Counter(Decimal(a) for claim in claims.get(case_id, []) for a in claim[field])
            want = Counter(wanted.get(case_id, []))
            missing += sum((want - have).values())
            doubled += sum((have - want).values())
        counts[f"{kind}_expected"] = sum(map(len, wanted.values()))
        counts[f"{kind}_missing"], counts[f"{kind}_doubled"] = missing, doubled
    ids = Counter(i for book in partners.values() for claim in book["cases"] for i in claim.get("posting_ids", []))
    counts["posting_ids_doubled"] = sum(n - 1 for n in ids.values() if n > 1)

    booked = Counter((s["settlement"], s["division"]) for s in m3["statements"])
    counts["statements_expected"] = sum(expected.statements.values())
    counts["statements_missing"] = sum(1 for key in expected.statements if not booked[key])
    counts["statements_doubled"] = sum(n - 1 for n in booked.values() if n > 1)
    counts["statements_unexpected"] = sum(1 for key in booked if key not in expected.statements)
    net: dict[str, Decimal] = defaultdict(Decimal)
    for line in m3["journal"]:
        net[line["external_reference"]] += Decimal(line["debit"]) - Decimal(line["credit"])
    counts["journals"] = len(net)
    counts["journals_unbalanced"] = sum(1 for value in net.values() if value != 0)

    invoices = {f"{COMPANY}/{i['division']}/{i['invoice']}/{i['year']}": i for i in m3["invoices"]}
    counts["open_amounts_negative"] = sum(1 for i in invoices.values()  # a credit item is negative by nature
                                          if Decimal(i["amount"]) > 0 and Decimal(i["open_amount"]) < 0)
    counts["settled_not_zero_in_m3"] = sum(1 for c in expected.settled if Decimal(invoices[c]["open_amount"]) != 0)
    counts["m3_stop_wrong"] = sum(1 for c, status in expected.final_status.items()
                                  if invoices[c]["reminder_stop"] != STOP_CODE_FOR_STATUS[status])
    counts["m3_stop_on_ineligible"] = sum(1 for c in expected.ineligible if invoices[c]["reminder_stop"])
    counts["replay_differences"] = len(replay_differences)
    counts["dead_letters"] = dead_letters
    return counts


MUST_BE_ZERO = ("cases_missing", "cases_doubled", "cases_for_ineligible", "cases_rejected", "payments_missing",
                "payments_doubled", "credits_missing", "credits_doubled", "posting_ids_doubled",
                "statements_missing", "statements_doubled", "statements_unexpected", "journals_unbalanced",
                "open_amounts_negative", "settled_not_zero_in_m3", "m3_stop_wrong", "m3_stop_on_ineligible",
                "replay_differences", "dead_letters")


def failures(counts: dict[str, int]) -> dict[str, int]:
    return {key: counts[key] for key in MUST_BE_ZERO if counts.get(key)}
