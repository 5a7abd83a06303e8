"""The value types a finance admin writes in the configuration file.

Each type refuses what YAML would otherwise turn into something else without a word:
floats for money, numbers for identifiers with leading zeros, secrets pasted where a
reference belongs.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
)

from workers.domain.money import exact_decimal, exact_money

_ENV_VAR_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_FAM_FUNCTION = re.compile(r"[A-Z0-9]{1,4}-[0-9A-Z]{1,3}")
_KEY = re.compile(r"[^/\s]+")


def _env_var_name(value: str) -> str:
    """Endpoints and credentials come from the environment, never from the config itself."""
    if not _ENV_VAR_NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} must be the NAME of an environment variable (e.g. INTRUM_API_URL), "
            "never the endpoint or secret itself"
        )
    return value


def _key(value: str) -> str:
    """Ids become parts of case ids and topic keys joined by "/", so they hold no "/" or spaces."""
    if not _KEY.fullmatch(value):
        raise ValueError(f"{value!r} must be non-empty, without spaces or \"/\"")
    return value


def _fam_function(value: str) -> str:
    if not _FAM_FUNCTION.fullmatch(value):
        raise ValueError(f"{value!r} is not a FAM function FEID-FNCN such as AB10-001")
    return value


def _country(value: object) -> object:
    """The Norway problem: YAML 1.1 reads an unquoted `NO` as false.

    No country code is a boolean, and NO is the only ISO code YAML 1.1 turns into false,
    so false here can only have been Norway.
    """
    return "NO" if value is False else value


Text = Annotated[str, StringConstraints(min_length=1)]
Key = Annotated[str, AfterValidator(_key)]
Money = Annotated[Decimal, BeforeValidator(exact_money), Field(ge=0)]
Percent = Annotated[Decimal, BeforeValidator(exact_decimal), Field(ge=0, le=100)]
Days = Annotated[StrictInt, Field(ge=0)]
Flag = StrictBool
CountryCode = Annotated[str, BeforeValidator(_country), StringConstraints(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
EnvVarName = Annotated[str, AfterValidator(_env_var_name)]
FamFunctionId = Annotated[str, AfterValidator(_fam_function)]
AccountNo = Annotated[str, StringConstraints(min_length=1)]
CollectionCode = Annotated[StrictInt, Field(ge=1, le=9)]
