"""Keep tickets in step with SLA configuration that changes outside ``tickets``.

``sla`` imports no app of ours, so when a priority level is saved (Django admin, its ``list_editable``
rank column, ``sla_import``, the API) it cannot call into tickets itself. This receiver is the one place
that owns the consequence: the denormalised ``Ticket.priority_rank`` the queue's index orders by.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from sla.models import PriorityLevel

from .services import priority_rank_sync


@receiver(post_save, sender=PriorityLevel, dispatch_uid="tickets.priority_rank_sync")
def priority_saved(sender, instance: PriorityLevel, created: bool, raw: bool = False, **kwargs) -> None:
    if not created and not raw:
        priority_rank_sync(priority=instance)
