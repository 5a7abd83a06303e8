"""Three-way reconciliation: M3's ledger, the partners' books and our own log, side by side.

Each system can be right on its own and still disagree with the others: an M3 event lost in
transit, a partner status whose webhook never came, a settlement paid out but never booked.
Replay proves the log rebuilds our own state; reconciliation asks whether the *outside* systems
say the same, case by case, and lists every difference for a finance person.

- `model`: the three views as plain dataclasses, and a `Discrepancy`;
- `ourlog`: our view folded from `case.events` (pure, reusing the projections);
- `compare` and `summary`: the pure comparison and the per division and partner totals;
- `m3_view`, `partner_view`, `views`: gathering the views over the real adapters (I/O);
- `report`: the table for a person, CSV and JSON for a machine;
- `run_dir`: pointing the command at a `dcs demo` or scenario run directory.
"""
