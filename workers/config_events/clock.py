"""The business clock of demo and scenario runs: one record on the compacted `clock` topic.

Production has no clock record; the business date is then today in the tenant's time zone.
The clock only moves forward: setting an earlier date is refused, as rules about days
(deferral, stop dates) must never see time run backwards.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from contracts import BusinessDateSet, new_message
from workers.config_events.records import decodable
from workers.infra.settings import Settings
from workers.infra.topic_io import publish, read_to_end

TENANT_ZONE = ZoneInfo("Europe/Oslo")


class ClockError(ValueError):
    """A clock change that would move time backwards."""


def scripted_date(settings: Settings) -> date | None:
    """The latest business date on the clock topic, or None when there is none (production).

    A record that does not decode is skipped with a warning (the workers' live view dead-letters
    it to `clock.dlq`), so junk on the topic cannot stop `dcs clock show/set`."""
    latest = None
    for _, envelope in decodable(read_to_end(settings, "clock"), "clock"):
        latest = envelope.payload.business_date
    return latest


def business_date(settings: Settings) -> date:
    return scripted_date(settings) or datetime.now(TENANT_ZONE).date()


def set_business_date(settings: Settings, new_date: date) -> date:
    current = scripted_date(settings)
    if current is not None and new_date < current:
        raise ClockError(f"the clock is at {current}; it never moves back (asked for {new_date})")
    if new_date != current:
        publish(settings, [("clock", new_message("clock.business_date_set",
                                                BusinessDateSet(business_date=new_date), source="dcs-clock"))])
    return new_date


def parse_days(text: str) -> int:
    """`Nd` as in scenario files: a whole number of days, N ≥ 0."""
    if not text.endswith("d") or not text[:-1].isdigit():
        raise ClockError(f"advance takes days like '3d', not {text!r}")
    return int(text[:-1])
