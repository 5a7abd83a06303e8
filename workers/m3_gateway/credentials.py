"""The tenant's ION API credentials, read once at start so a wrong file stops the worker at once.

A gateway without credentials could only fail every command, so it refuses to start instead,
with an error that names the setting (`m3_ionapi_file`, env `DCS_M3_IONAPI_FILE`) and the file,
never a value from it.
"""

from __future__ import annotations

from workers.adapters.m3 import IonApiConfig, load_ionapi
from workers.infra.settings import Settings

SETTING = "m3_ionapi_file (env DCS_M3_IONAPI_FILE)"


class GatewayConfigError(RuntimeError):
    """The M3 gateway cannot start with these settings."""


def load_credentials(settings: Settings) -> IonApiConfig:
    path = settings.m3_ionapi_file
    if path is None:
        raise GatewayConfigError(
            f"{SETTING} is not set: the M3 gateway needs the tenant's .ionapi file "
            "(ION API > Authorized Apps > backend service client > Download Credentials)")
    try:
        return load_ionapi(path)
    except FileNotFoundError:
        raise GatewayConfigError(f"{SETTING}: {path} does not exist") from None
    except OSError as error:
        raise GatewayConfigError(f"{SETTING}: cannot read {path} ({error.strerror or type(error).__name__})") from None
    except ValueError as error:
        raise GatewayConfigError(f"{SETTING}: {error}") from None
