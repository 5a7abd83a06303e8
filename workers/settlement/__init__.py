"""Settlements: split a partner payout into per-case lines, collect the verdicts, post statements."""
