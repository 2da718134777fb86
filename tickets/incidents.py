"""Moved to ``tickets.services.incidents``. Only tickets/desk and tickets/api (being split on another branch)
still import from here: move those imports to ``tickets.services`` and delete this module."""

from .services.incidents import incident_link_ticket, incident_open, incident_post_update, incident_resolve  # noqa: F401
