"""Incidents (team leads): open one, post updates, link tickets, resolve it."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ...models import Incident
from ...services import TicketError
from ...services.incidents import incident_link_ticket, incident_open, incident_post_update, incident_resolve
from .. import forms
from ._common import current_time, lead_required


@lead_required
def incident_list(request):
    form = forms.IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = incident_open(
                title=form.cleaned_data["title"],
                public_status=form.cleaned_data["public_status"],
                by=request.user,
                now=current_time(),
            )
        except TicketError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Incident opened: %(title)s. Its status now shows on the portal.")
                % {"title": incident.title},
            )
            return redirect("desk:incident_detail", pk=incident.pk)
    incidents = Incident.objects.annotate(ticket_count=Count("tickets")).order_by(
        "resolved_at", "-opened_at"
    )[:50]
    return render(request, "tickets/desk/incidents.html", {"form": form, "incidents": incidents})


@lead_required
def incident_detail(request, pk: int):
    incident = get_object_or_404(Incident, pk=pk)
    now = current_time()
    update_form = forms.IncidentUpdateForm(prefix="u")
    link_form = forms.IncidentLinkTicketsForm(prefix="l")
    resolve_form = forms.IncidentResolveForm(prefix="r")
    if request.method == "POST":
        # One page, three forms: ``action`` says which was sent; the other two are drawn empty.
        action = request.POST.get("action")
        try:
            if action == "update":
                update_form = forms.IncidentUpdateForm(request.POST, prefix="u")
                if update_form.is_valid():
                    incident_post_update(
                        incident=incident, body=update_form.cleaned_data["body"], by=request.user, now=now
                    )
                    messages.success(
                        request, _("Update posted to the portal banner and mailed to every linked requester.")
                    )
                    return redirect("desk:incident_detail", pk=pk)
            elif action == "link":
                link_form = forms.IncidentLinkTicketsForm(request.POST, prefix="l")
                if link_form.is_valid():
                    for ticket in link_form.cleaned_data["references"]:
                        incident_link_ticket(incident=incident, ticket=ticket, by=request.user, now=now)
                    count = len(link_form.cleaned_data["references"])
                    messages.success(
                        request,
                        ngettext("%(count)d ticket linked.", "%(count)d tickets linked.", count)
                        % {"count": count},
                    )
                    return redirect("desk:incident_detail", pk=pk)
            elif action == "resolve":
                resolve_form = forms.IncidentResolveForm(request.POST, prefix="r")
                if resolve_form.is_valid():
                    incident_resolve(
                        incident=incident,
                        by=request.user,
                        now=now,
                        note=resolve_form.cleaned_data["note"],
                        resolve_tickets=resolve_form.cleaned_data["resolve_tickets"],
                    )
                    messages.success(request, _("Incident resolved; the banner is gone."))
                    return redirect("desk:incident_detail", pk=pk)
        except TicketError as exc:
            messages.error(request, str(exc))
    tickets = incident.tickets.select_related("organization", "priority", "requester", "assignee").order_by(
        "priority_rank", "received_at"
    )
    return render(
        request,
        "tickets/desk/incident_detail.html",
        {
            "incident": incident,
            "updates": incident.updates.select_related("author"),
            "tickets": tickets,
            "update_form": update_form,
            "link_form": link_form,
            "resolve_form": resolve_form,
        },
    )
