"""Webhooks listen to what happens to tickets and incidents (``tickets.signals``); the services decide."""

from django.dispatch import receiver

from tickets.signals import incident_event, ticket_event, tickets_event

from .services import webhook_incident_event, webhook_ticket_event


@receiver(ticket_event, dispatch_uid="webhooks-ticket")
def _ticket(sender, *, ticket, event, now, message=None, **extra) -> None:
    webhook_ticket_event(tickets=[ticket], event=event, now=now, message=message, **extra)


@receiver(tickets_event, dispatch_uid="webhooks-tickets")
def _tickets(sender, *, tickets, event, now, **extra) -> None:
    webhook_ticket_event(tickets=list(tickets), event=event, now=now, **extra)


@receiver(incident_event, dispatch_uid="webhooks-incident")
def _incident(sender, *, incident, event, now, update: str = "", **extra) -> None:
    webhook_incident_event(incident=incident, event=event, now=now, update=update)
