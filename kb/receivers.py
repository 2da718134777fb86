"""The knowledge base listens to what happens to tickets (``tickets.signals.ticket_event``); tickets
never imports kb."""

from django.dispatch import receiver

from tickets.signals import ticket_event

from .services import acknowledgement_suggest, ticket_links_record


@receiver(ticket_event, dispatch_uid="kb-ticket-events")
def _on_ticket_event(sender, *, ticket, event, now, message=None, **extra) -> bool:
    if event == "created":
        acknowledgement_suggest(ticket=ticket, now=now)
    elif event == "staff_replied" and message is not None:
        ticket_links_record(message=message, now=now)
    return False  # the ticket itself is not changed
