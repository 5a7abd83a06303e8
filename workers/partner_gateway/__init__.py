"""The partner gateway: our commands to collection partners, and their answers back.

It consumes ``partner.commands`` (register a case, forward a direct payment or credit note,
request a close), calls each partner's REST API through ``workers.adapters.partner``, and
publishes the partner's answers and status changes on ``partner.case-status``. Webhooks only
say "something changed"; the gateway then reads the partner's delta status feed (and polls it
as a safety net). ``app.build`` is the entry point; docs/partner-gateway.md is the manual.
"""
