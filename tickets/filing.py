"""Moved to ``tickets.services.filing``. Only tickets/desk and tickets/api (being split on another branch)
still import from here: move those imports to ``tickets.services`` and delete this module."""

from .services.filing import FilingKeyReused, request_fingerprint, ticket_file_once  # noqa: F401
