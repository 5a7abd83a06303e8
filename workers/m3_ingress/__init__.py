"""M3 ingress: overdue invoices and postings from Infor M3 onto `ledger.overdue` / `m3.payments`.

Three transports, one result: canonical JSON from a MEC/ION mapping, CMS049 FSLEDG events from
M3's Event Subscriber, and an ARS200MI poller. `app.build` is the worker (registered as
"m3-ingress"); `fsledg_mapping` is the one translation of an M3 ledger row into our contracts.
"""
