"""Scenario runs: script M3 and the partners around the running service and check the outcome
(`dcs scenario run FILE`). The file format is ../shared/SCENARIOS.md; docs/scenarios.md lists
what this implementation accepts beyond it."""
