"""What happened to a ticket, for apps built on top of ``tickets`` (automation rules, integrations).

``ticket_event`` is sent by the services inside their transaction, after the change is written, so a
receiver that changes the ticket again does it through the same services and in the same transaction
(all or nothing). ``tickets`` never imports its receivers: the arrow stays automation -> tickets.

Events: ``created``, ``customer_replied``, ``staff_replied`` (public messages), ``note_added`` (an
internal note: staff-only words, ``message``), ``status_changed``, ``assigned`` (``old``: the previous
owner's name), ``updated`` (``changes``: field -> {old, new}; priority or the request edited),
``sla_warning``, ``sla_breach``, ``paged`` (an alert rule paged people: ``alert``, ``discriminator``,
``not_before``). Arguments: ``ticket``, ``event``, ``now``, and ``message`` for replies, ``target``
(first_response / resolution) for the SLA events.

``incident_event`` tells the same about major incidents: ``opened``, ``incident_updated`` (``update``:
the words posted), ``resolved``; arguments ``incident``, ``event``, ``now``.
"""

from django.dispatch import Signal

EVENTS = (
    "created",
    "customer_replied",
    "staff_replied",
    "note_added",
    "status_changed",
    "assigned",
    "updated",
    "sla_warning",
    "sla_breach",
    "paged",
)
INCIDENT_EVENTS = ("opened", "incident_updated", "resolved")

ticket_event = Signal()
# The same event for many tickets at once (the SLA monitor's batches): ``tickets`` instead of ``ticket``,
# so a receiver reads what it needs once per batch, not once per ticket.
tickets_event = Signal()
incident_event = Signal()


def ticket_event_send(ticket, event: str, *, now, **extra) -> bool:
    """Tell the receivers; True when one of them changed the ticket (it says so by returning a truthy
    value), so the caller reads it again before going on."""
    answers = ticket_event.send(sender=type(ticket), ticket=ticket, event=event, now=now, **extra)
    return any(answer for _receiver, answer in answers)


def tickets_event_send(tickets, event: str, *, now, **extra) -> None:
    if tickets:
        tickets_event.send(sender=type(tickets[0]), tickets=tickets, event=event, now=now, **extra)


def incident_event_send(incident, event: str, *, now, **extra) -> None:
    incident_event.send(sender=type(incident), incident=incident, event=event, now=now, **extra)
