"""Kept for import compatibility only, and will go: the SLA reads live in ``sla/selectors.py``.

``sla`` has no write service besides the configuration import (``sla.config.sla_config_import``); this
module re-exports the selectors so the importers in ``tickets/`` keep working until they import
``sla.selectors`` themselves. Add nothing here.
"""

from .selectors import (
    Deadlines,
    EffectiveJobPolicy,
    PolicyCell,
    calendar_build,
    job_policy_for,
    sla_deadlines,
    sla_explain,
    sla_policy_table,
    sla_target_for,
    target_words,
)

__all__ = [
    "Deadlines",
    "EffectiveJobPolicy",
    "PolicyCell",
    "calendar_build",
    "job_policy_for",
    "sla_deadlines",
    "sla_explain",
    "sla_policy_table",
    "sla_target_for",
    "target_words",
]
