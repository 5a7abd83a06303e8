"""Read models folded from `case.events` alone: what `dcs cases`, the demo summary and replay show."""
