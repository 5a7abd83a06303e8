"""The M3 gateway worker: executes `m3.commands` in Infor M3 and reports on `m3.outcomes`.

`build(settings)` (in `app`) is what `dcs worker m3-gateway` runs. The pieces: `credentials`
(the tenant's .ionapi file), `session` (HTTP client, ION token, the adapter's writer),
`commands` (command -> adapter call), `statements`/`payers` (PostStatement -> ABS100 statement),
`outcomes` (what goes on `m3.outcomes`), `retry_policy`/`runner` (retry without dropping).
See docs/m3-gateway.md.
"""
