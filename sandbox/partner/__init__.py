"""A REST debt-collection partner to run against: the sandbox for Intrum, Svea and friends.

See README.md beside this file for the API, the admin endpoints and the webhook signature.
"""

from sandbox.partner.credentials import PartnerSecrets
from sandbox.partner.server import PartnerSandbox, build_app
from sandbox.partner.settings import FaultSettings, ModeSettings, Outage, ScriptedFault

__all__ = [
    "FaultSettings",
    "ModeSettings",
    "Outage",
    "PartnerSandbox",
    "PartnerSecrets",
    "ScriptedFault",
    "build_app",
]
