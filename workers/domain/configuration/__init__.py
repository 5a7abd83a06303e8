"""The configuration a finance admin maintains: typed, validated, and storable per entity."""

from workers.domain.configuration.change import merge_change
from workers.domain.configuration.loading import ConfigurationError, Problem, load_configuration
from workers.domain.configuration.model import (
    DEFAULT_ACCOUNTS,
    AccountMapping,
    Configuration,
    DivisionLink,
    FamFunction,
    MinDaysOverdue,
    Partner,
    ReminderRule,
)
from workers.domain.configuration.storage import (
    SINGLETON_ID,
    EntityKey,
    EntityKind,
    entities,
    entity_changes,
    from_entities,
)

__all__ = [
    "DEFAULT_ACCOUNTS",
    "SINGLETON_ID",
    "AccountMapping",
    "Configuration",
    "ConfigurationError",
    "DivisionLink",
    "EntityKey",
    "EntityKind",
    "FamFunction",
    "MinDaysOverdue",
    "Partner",
    "Problem",
    "ReminderRule",
    "entities",
    "entity_changes",
    "from_entities",
    "load_configuration",
    "merge_change",
]
