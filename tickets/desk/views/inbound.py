"""Inbound mail waiting for a person: held senders to accept or reject, held mail to release or discard."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ...intake.decisions import inbound_discard, inbound_release, sender_hold_decide
from ...models import InboundEmail, SenderHold
from ...reasons import inbound_detail
from ...selectors import inbound_attention, inbound_for_staff
from ._common import attempt, current_time, staff_required


@staff_required
def inbound(request):
    rows = inbound_for_staff()
    held = [(row, inbound_detail(row)) for row in rows.pop("held")]  # why, in the reader's language
    return render(request, "tickets/desk/inbound.html", {"counts": inbound_attention(), **rows, "held": held})


@require_POST
@staff_required
def inbound_sender_decide(request, pk: int):
    hold = get_object_or_404(SenderHold.objects.select_related("user", "organization"), pk=pk)
    accept = request.POST.get("decision") == "accept"
    said = (
        _("%(email)s is now a member of %(organization)s.")
        if accept
        else _("%(email)s was rejected for %(organization)s.")
    )
    attempt(
        request,
        lambda: sender_hold_decide(hold=hold, accept=accept, by=request.user, now=current_time()),
        lambda _result: said % {"email": hold.user.email, "organization": hold.organization.name},
    )
    return redirect("desk:inbound")


def _released(row: InboundEmail) -> str:
    outcome = row.get_outcome_display()
    if row.ticket_id:
        return _("Released: %(outcome)s (%(reference)s).") % {
            "outcome": outcome,
            "reference": row.ticket.reference,
        }
    return _("Released: %(outcome)s.") % {"outcome": outcome}


@require_POST
@staff_required
def inbound_mail_decide(request, pk: int):
    row = get_object_or_404(InboundEmail, pk=pk)
    if request.POST.get("decision") == "release":
        attempt(request, lambda: inbound_release(row=row, by=request.user, now=current_time()), _released)
    else:
        attempt(
            request,
            lambda: inbound_discard(row=row, by=request.user, now=current_time()),
            lambda _result: _("Discarded; the mail stays on record."),
        )
    return redirect("desk:inbound")
