"""Rules listen to what happens to tickets (``tickets.signals.ticket_event``)."""

from django.dispatch import receiver

from tickets.signals import ticket_event, tickets_event

from .selectors import rules_for
from .services import rules_run


@receiver(ticket_event, dispatch_uid="automation-rules")
def _run_rules(sender, *, ticket, event, now, message=None, **extra) -> bool:
    return bool(rules_run(ticket=ticket, event=event, now=now, message=message))


@receiver(tickets_event, dispatch_uid="automation-rules-batch")
def _run_rules_batch(sender, *, tickets, event, now, **extra) -> None:
    rules = rules_for(event)  # once per batch; tickets no rule matches cost nothing more
    for ticket in tickets if rules else ():
        rules_run(ticket=ticket, event=event, now=now, rules=rules)
