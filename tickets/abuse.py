"""Moved to ``tickets.services.abuse``. Only tickets/desk and tickets/api (being split on another branch)
still import from here: move those imports to ``tickets.services`` and delete this module."""

from .services.abuse import (  # noqa: F401
    abuse_downgrades,
    organization_bar_top_priority,
    organization_lift_top_priority_bar,
)
