"""The tickets app listening to ``sla``: ``sla`` knows nothing of tickets, so when an admin or a YAML
import changes what the timed jobs' instants are computed from (job policies, calendars and their
hours, SLA targets), the tickets are marked here and the next job pass recomputes them."""

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from sla.models import BusinessHours, Calendar, Holiday, JobPolicy, SLATarget

from .schedule import next_actions_mark_all


def _policy_changed(sender, **kwargs) -> None:
    next_actions_mark_all(now=timezone.now())


for model in (JobPolicy, Calendar, BusinessHours, Holiday, SLATarget):
    post_save.connect(_policy_changed, sender=model, dispatch_uid=f"next_actions_{model.__name__}_saved")
    post_delete.connect(_policy_changed, sender=model, dispatch_uid=f"next_actions_{model.__name__}_deleted")
