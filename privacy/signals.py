"""Told after a privacy request changed tickets, once it committed: ``ticket_ids`` (a list).

For indexes kept outside the ticket rows (the full-text search being built): a receiver re-indexes these
tickets, so an erased person's words leave the index too. ``tests/privacy/test_erase.py`` checks every
surface a person can be found through; add the search there when it lands.
"""

from django.dispatch import Signal

tickets_anonymised = Signal()
