"""Macros on the desk's ticket page (preview, then apply) and the rules' dry run."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tickets.desk.views._common import current_time, lead_required, staff_required, ticket_for
from tickets.policy import TicketError

from .models import Rule
from .selectors import macros_for, rule_matches, rules_for, ticket_tag_names
from .services import macro_apply, macro_preview


@staff_required
def macro_review(request, pk: int, macro_id: int):
    ticket = ticket_for(request, pk)
    macro = get_object_or_404(macros_for(request.user), pk=macro_id)
    return render(
        request,
        "automation/macro_preview.html",
        {
            "ticket": ticket,
            "macro": macro,
            "lines": macro_preview(macro=macro, ticket=ticket, by=request.user),
        },
    )


@require_POST
@staff_required
def macro_apply_view(request, pk: int, macro_id: int):
    ticket = ticket_for(request, pk)
    macro = get_object_or_404(macros_for(request.user), pk=macro_id)
    try:
        macro_apply(macro=macro, ticket=ticket, by=request.user, now=current_time())
    except TicketError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Macro \u201c{macro.name}\u201d applied to {ticket.reference}.")
    return redirect("desk:ticket_detail", pk=ticket.pk)


@lead_required
def rules_dry_run(request, pk: int):
    """Which rules would fire for this ticket at each event, now (nothing is changed)."""
    ticket = ticket_for(request, pk)
    now = current_time()
    tags = ticket_tag_names(ticket)
    rows = [
        (
            Rule.Event(event).label,
            event,
            [(rule, rule_matches(rule, ticket, now=now, tags=tags)) for rule in rules_for(event)],
        )
        for event in Rule.Event.values  # the events a rule can listen to (tickets sends more)
    ]
    return render(request, "automation/dry_run.html", {"ticket": ticket, "rows": rows})
