"""What every desk view shares: who may enter, the scoped ticket lookup, the SLA clock's words and
the "try the service, say how it went" helpers that turn a ``TicketError`` into a message, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from ...dashboard import duration_words
from ...models import Ticket
from ...portal.display import state_label
from ...selectors import people_attach, sla_state
from ...services import TicketError


def staff_required(view):
    """Signed-in staff only: anonymous people go to the sign-in page, customers get a plain 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_active and request.user.is_staff):
            raise Http404
        # The nav and the pages ask "is this a team lead?" several times: one query for the groups.
        prefetch_related_objects([request.user], "groups")
        return view(request, *args, **kwargs)

    return wrapper


def lead_required(view):
    @wraps(view)
    @staff_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_team_lead:
            raise PermissionDenied("Team leads and admins only.")
        return view(request, *args, **kwargs)

    return wrapper


def current_time() -> datetime:
    """The clock the desk views read (one seam, so time is testable)."""
    return timezone.now()


def sla_clock(ticket: Ticket, now: datetime) -> dict:
    """``sla_state`` plus the words for the clock cell: time left, or how long overdue."""
    sla = sla_state(ticket, now)
    sla["age"] = duration_words(now - ticket.received_at)
    sla["label"] = state_label(sla["state"])
    if sla["state"] == "paused":
        sla["label"] = _("Paused: waiting on the customer")
    if "seconds" in sla:
        words = {"time": duration_words(sla["seconds"])}
        if sla["target"] == "first_response":
            clock = _("response overdue %(time)s") if sla["seconds"] < 0 else _("response in %(time)s")
        else:
            clock = _("resolution overdue %(time)s") if sla["seconds"] < 0 else _("resolution in %(time)s")
        sla["clock"] = clock % words
    return sla


def ticket_for(request, pk: int) -> Ticket:
    """The ticket if this person may see it (``visible_to``), else a 404.

    Joined to its four small lookups only, with the people read by id in one more query: planning the
    ten-way join PostgreSQL needed for everything at once took 5-8 ms, more than the page's whole thread.
    Incident, merged-into ticket and request form load on use (most tickets have none: no query).
    """
    ticket = get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related("organization", "plan", "priority", "team"),
        pk=pk,
    )
    return people_attach([ticket])[0]


def back(ticket: Ticket) -> HttpResponse:
    return redirect("desk:ticket_detail", pk=ticket.pk)


def form_errors(request, form: forms.Form) -> None:
    """Each field error as a message, labelled with the field (the ticket page has many small forms)."""
    for field, errors in form.errors.items():
        label = (
            form.fields[field].label or field.replace("_", " ").capitalize() if field in form.fields else ""
        )
        for error in errors:
            messages.error(
                request, _("%(field)s: %(error)s") % {"field": label, "error": error} if label else error
            )


def attempt(request, action: Callable[[], Any], success: Callable[[Any], str]) -> bool:
    """Run a service call; say ``success(result)`` when it worked, or the service's refusal when not."""
    try:
        result = action()
    except TicketError as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, success(result))
    return True


def form_action(
    request,
    ticket: Ticket,
    form_class: type[forms.Form],
    action: Callable[[dict], Any],
    success: Callable[[dict], str],
) -> HttpResponse:
    """The ticket page's small POST forms: validate, call the service, say how it went, back to the ticket."""
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        attempt(request, lambda: action(data), lambda _result: success(data))
    else:
        form_errors(request, form)
    return back(ticket)
