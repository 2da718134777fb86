"""The tickets app listening to ``sla``. ``sla`` imports no app of ours, so when a priority level, a job
policy, a calendar (and its hours and holidays) or an SLA target is saved (Django admin, its
``list_editable`` columns, ``sla_import``, the API) it cannot call into tickets itself. These receivers
are the one place that owns the consequences: the denormalised ``Ticket.priority_rank`` the queue's
index orders by, and the timed jobs' stored instants, which the next job pass recomputes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from sla.models import BusinessHours, Calendar, Holiday, JobPolicy, PriorityLevel, SLATarget

from .schedule import next_actions_mark_all
from .services import priority_rank_sync


@receiver(post_save, sender=PriorityLevel, dispatch_uid="tickets.priority_rank_sync")
def priority_saved(sender, instance: PriorityLevel, created: bool, raw: bool = False, **kwargs) -> None:
    if not created and not raw:
        priority_rank_sync(priority=instance)


def _policy_changed(sender, **kwargs) -> None:
    next_actions_mark_all(now=timezone.now())


for model in (JobPolicy, Calendar, BusinessHours, Holiday, SLATarget):
    post_save.connect(_policy_changed, sender=model, dispatch_uid=f"next_actions_{model.__name__}_saved")
    post_delete.connect(_policy_changed, sender=model, dispatch_uid=f"next_actions_{model.__name__}_deleted")
