"""M3 sandbox: an HTTP server that behaves like an Infor M3 tenant behind the ION API gateway.

A test double of an external system for the demo, scenario runs and end-to-end tests; it never
imports the service's own code. See `app` (assembly), `admin` (scripting endpoints), `mi`
(MI REST v2), `programs` (simulated MI programs), `cms049` (events it emits).
"""

from sandbox.m3.app import app_state, base_url, create_app, start
from sandbox.m3.ionapi_file import write_ionapi
from sandbox.m3.state import SandboxState, TenantCredentials

__all__ = ["SandboxState", "TenantCredentials", "app_state", "base_url", "create_app", "start", "write_ionapi"]
