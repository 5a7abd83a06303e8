"""The case processor: the sole writer of `case.events` and owner of the `cases` table.

`state.py` is what a case remembers, `handlers.py` the explicit map from message type to a pure
decision function (`handover.py`, `answers.py`, `postings.py`, `outcomes.py`), and `agent.py`
the thin faust edge that decodes, decides, sends and then saves.
"""
