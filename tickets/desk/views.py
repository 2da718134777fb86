"""The technician workspace. Thin views: reads through selectors, every write through a service;
a refused action (``TicketError``) comes back to the person as a message, never as a 500."""

from __future__ import annotations

import csv
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Organization
from sla.models import PriorityLevel, SupportPlan

from ..abuse import abuse_downgrades, organization_bar_top_priority, organization_lift_top_priority_bar
from ..attachments import attachment_response, attachments_save
from ..dashboard import duration_words, sla_dashboard
from ..fields import filing_key
from ..filing import ticket_file_once
from ..incidents import incident_link_ticket, incident_open, incident_post_update, incident_resolve
from ..intake.decisions import inbound_discard, inbound_release, sender_hold_decide
from ..models import Attachment, CannedReply, InboundEmail, Incident, Message, SenderHold, Status, Ticket
from ..policy import merge_refusal
from ..querysets import OPEN_STATUSES
from ..selectors import inbound_attention, inbound_for_staff, request_field_rows, sla_state
from ..services import (
    TRANSITIONS,
    TicketError,
    message_add,
    ticket_assign,
    ticket_change_status,
    ticket_merge,
    ticket_reclassify,
)
from . import forms as f
from .history import due_explanation, explain_events
from .queue import SORTS, VIEWS, QueueFilters, queue_page

POLL_SECONDS = 20


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


def _now():
    return timezone.now()


def sla_clock(ticket: Ticket, now) -> dict:
    """``sla_state`` plus the words for the clock cell: time left, or how long overdue."""
    sla = sla_state(ticket, now)
    sla["age"] = duration_words(now - ticket.received_at)
    if sla["state"] == "paused":
        sla["label"] = "Paused: waiting on the customer"
    if "seconds" in sla:
        target = "response" if sla["target"] == "first_response" else "resolution"
        words = duration_words(sla["seconds"])
        sla["clock"] = f"{target} overdue {words}" if sla["seconds"] < 0 else f"{target} in {words}"
    return sla


# --- queue ------------------------------------------------------------------------------------------


def _queue_context(request) -> dict:
    now = _now()
    filters = QueueFilters.from_query(request.GET)
    page = queue_page(agent=request.user, now=now, filters=filters)
    rows = [(t, sla_clock(t, now)) for t in page.rows]
    here = filters.query()
    return {
        "filters": filters,
        "rows": rows,
        "page": page,
        "now": now,
        "views": [
            (key, label, page.counts.get(key, 0), urlencode(filters.query(view=key, after="")))
            for key, label in VIEWS.items()
        ],
        "sorts": SORTS,
        "here_qs": urlencode(here),
        "next_qs": urlencode(filters.query(after=page.next_after)) if page.next_after else "",
        "first_qs": urlencode(filters.query(after="")),
        "poll_seconds": POLL_SECONDS,
    }


ORGANIZATION_SELECT_MAX = 200


def _organization_choices() -> list[Organization] | None:
    """The organizations for the filter's select, or None when there are too many to list."""
    choices = list(Organization.objects.only("pk", "name", "customer_number")[: ORGANIZATION_SELECT_MAX + 1])
    return None if len(choices) > ORGANIZATION_SELECT_MAX else choices


@staff_required
def queue(request):
    context = _queue_context(request)
    context.update(
        statuses=[(s.value, s.label) for s in Status if s.value in OPEN_STATUSES],
        priorities=PriorityLevel.objects.all(),
        # A short list is a select; thousands of customers are typed by customer number instead
        # (5,000 options were 250 KB of HTML and 160 ms of rendering on every queue load).
        organizations=_organization_choices(),
        plans=SupportPlan.objects.only("pk", "name"),
    )
    return render(request, "tickets/desk/queue.html", context)


@staff_required
def queue_rows(request):
    """The rows (and the tab counts, out of band) for the poller: same filters, same page."""
    return render(request, "tickets/desk/_queue_rows.html", _queue_context(request))


# --- tickets ----------------------------------------------------------------------------------------


def _ticket(request, pk: int) -> Ticket:
    return get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related(
            "organization", "plan", "priority", "assignee", "requester", "incident", "merged_into", "request_type"
        ),
        pk=pk,
    )


def _canned(ticket: Ticket, agent) -> list[tuple[CannedReply, str]]:
    """Canned replies with their placeholders filled in for this ticket (plain replacement, no template engine)."""
    values = {
        "{{ ticket.reference }}": ticket.reference,
        "{{ requester }}": ticket.requester.display_name,
        "{{ agent }}": agent.display_name,
    }
    out = []
    for reply in CannedReply.objects.filter(active=True):
        body = reply.body
        for key, value in values.items():
            body = body.replace(key, value).replace(key.replace(" ", ""), value)
        out.append((reply, body))
    return out


@staff_required
def ticket_detail(request, pk: int):
    ticket = _ticket(request, pk)
    now = _now()
    levels = list(PriorityLevel.objects.all())
    lines = explain_events(ticket, levels)
    thread = ticket.messages.select_related("author").prefetch_related("attachments")
    return render(
        request,
        "tickets/desk/ticket_detail.html",
        {
            "ticket": ticket,
            "sla": sla_clock(ticket, now),
            "thread": thread,
            "history": lines,
            "why_due": due_explanation(ticket, lines),
            "assign_form": f.AssignForm(initial={"agent": ticket.assignee_id}),
            "reply_form": f.ReplyForm(),
            "status_choices": [
                (s.value, s.label) for s in Status if s.value in TRANSITIONS.get(ticket.status, ())
            ],
            "levels": levels,
            "merge_form": f.MergeForm(),
            "canned": _canned(ticket, request.user),
            "merged": ticket.merged.all(),
            "request_rows": request_field_rows(ticket),
        },
    )


def _back(ticket: Ticket):
    return redirect("desk:ticket_detail", pk=ticket.pk)


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = (
            form.fields[field].label or field.replace("_", " ").capitalize() if field in form.fields else ""
        )
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@require_POST
@staff_required
def ticket_assign_view(request, pk: int):
    ticket = _ticket(request, pk)
    if request.POST.get("to") == "me":
        agent = request.user
    else:
        form = f.AssignForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return _back(ticket)
        agent = form.cleaned_data["agent"]
    try:
        ticket_assign(ticket=ticket, agent=agent, by=request.user, now=_now())
    except TicketError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{ticket.reference} assigned to {agent.display_name}."
            if agent
            else f"{ticket.reference} unassigned.",
        )
    return _back(ticket)


@require_POST
@staff_required
def ticket_reply(request, pk: int):
    ticket = _ticket(request, pk)
    form = f.ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(ticket)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            message = message_add(
                ticket=ticket,
                author=request.user,
                body=data["body"],
                kind=data["kind"],
                now=_now(),
                set_status=data["set_status"] or None,
            )
            attachments_save(ticket=message.ticket, message=message, uploads=data["attachments"], by=request.user)
    except TicketError as exc:
        messages.error(request, str(exc))
    else:
        what = "Internal note added" if data["kind"] == Message.Kind.INTERNAL else "Reply sent"
        messages.success(request, f"{what} on {ticket.reference}.")
    return _back(ticket)


@require_POST
@staff_required
def ticket_status(request, pk: int):
    ticket = _ticket(request, pk)
    form = f.StatusForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(ticket)
    try:
        ticket_change_status(
            ticket=ticket,
            status=form.cleaned_data["status"],
            by=request.user,
            now=_now(),
            reason=form.cleaned_data["reason"],
        )
    except TicketError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"{ticket.reference} is now {Status(form.cleaned_data['status']).label.lower()}."
        )
    return _back(ticket)


@require_POST
@staff_required
def ticket_reclassify_view(request, pk: int):
    ticket = _ticket(request, pk)
    form = f.ReclassifyForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(ticket)
    try:
        ticket_reclassify(
            ticket=ticket,
            priority=form.cleaned_data["priority"],
            by=request.user,
            reason=form.cleaned_data["reason"],
            now=_now(),
        )
    except TicketError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{ticket.reference} re-classified as {form.cleaned_data['priority'].name}; the customer was told.",
        )
    return _back(ticket)


@require_POST
@staff_required
def ticket_merge_view(request, pk: int):
    ticket = _ticket(request, pk)
    form = f.MergeForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(ticket)
    target = form.cleaned_data["target"]
    if request.POST.get("confirm") != "yes":  # first show both tickets; merging moves the whole thread
        return render(
            request,
            "tickets/desk/merge_confirm.html",
            {
                "source": ticket,
                "target": target,
                "refusal": merge_refusal(ticket, target),
                "pairs": [(ticket, ticket.messages.count()), (target, target.messages.count())],
            },
        )
    try:
        target = ticket_merge(source=ticket, target=target, by=request.user, now=_now())
    except TicketError as exc:
        messages.error(request, str(exc))
        return _back(ticket)
    messages.success(request, f"{ticket.reference} merged into {target.reference}.")
    return _back(target)


@require_POST
@staff_required
def ticket_link_incident(request, pk: int):
    ticket = _ticket(request, pk)
    form = f.LinkIncidentForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(ticket)
    try:
        incident_link_ticket(
            incident=form.cleaned_data["incident"], ticket=ticket, by=request.user, now=_now()
        )
    except TicketError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"{ticket.reference} linked to the incident {form.cleaned_data['incident'].title}."
        )
    return _back(ticket)


@staff_required
def ticket_new(request):
    form = f.LogTicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        now = _now()
        try:
            with transaction.atomic():
                filed = ticket_file_once(
                    key=filing_key(data),
                    requester=data["requester"],
                    organization=data["organization"],
                    subject=data["subject"],
                    description=data["description"],
                    priority=data["priority"],
                    channel=data["channel"],
                    by=request.user,
                    now=now,
                )
                ticket = filed.ticket
                if filed.created and data["assign_to_me"]:
                    ticket_assign(ticket=ticket, agent=request.user, by=request.user, now=now)
        except TicketError as exc:
            form.add_error(None, str(exc))
        else:
            if filed.created:
                messages.success(request, f"{ticket.reference} logged for {data['requester'].display_name}.")
            else:
                messages.info(request, f"This form was already filed as {ticket.reference}; nothing new was filed.")
            return redirect("desk:ticket_detail", pk=ticket.pk)
    return render(request, "tickets/desk/ticket_new.html", {"form": form})


@staff_required
def attachment_download(request, pk: int):
    attachment = get_object_or_404(
        Attachment.objects.filter(ticket__in=Ticket.objects.visible_to(request.user)), pk=pk
    )
    return attachment_response(attachment)


# --- inbound mail waiting for a person ---------------------------------------------------------


@staff_required
def inbound(request):
    return render(
        request, "tickets/desk/inbound.html", {"counts": inbound_attention(), **inbound_for_staff()}
    )


@require_POST
@staff_required
def inbound_sender_decide(request, pk: int):
    hold = get_object_or_404(SenderHold.objects.select_related("user", "organization"), pk=pk)
    accept = request.POST.get("decision") == "accept"
    try:
        sender_hold_decide(hold=hold, accept=accept, by=request.user, now=_now())
    except TicketError as exc:
        messages.error(request, str(exc))
    else:
        verb = "is now a member of" if accept else "was rejected for"
        messages.success(request, f"{hold.user.email} {verb} {hold.organization.name}.")
    return redirect("desk:inbound")


@require_POST
@staff_required
def inbound_mail_decide(request, pk: int):
    row = get_object_or_404(InboundEmail, pk=pk)
    try:
        if request.POST.get("decision") == "release":
            row = inbound_release(row=row, by=request.user, now=_now())
            done = f"Released: {row.get_outcome_display().lower()}"
            messages.success(request, done + (f" ({row.ticket.reference})." if row.ticket_id else "."))
        else:
            inbound_discard(row=row, by=request.user, now=_now())
            messages.success(request, "Discarded; the mail stays on record.")
    except TicketError as exc:
        messages.error(request, str(exc))
    return redirect("desk:inbound")


# --- incidents (team leads) ------------------------------------------------------------------------


@lead_required
def incident_list(request):
    form = f.IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = incident_open(
                title=form.cleaned_data["title"],
                public_status=form.cleaned_data["public_status"],
                by=request.user,
                now=_now(),
            )
        except TicketError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"Incident opened: {incident.title}. Its status now shows on the portal."
            )
            return redirect("desk:incident_detail", pk=incident.pk)
    incidents = Incident.objects.annotate(ticket_count=Count("tickets")).order_by(
        "resolved_at", "-opened_at"
    )[:50]
    return render(request, "tickets/desk/incidents.html", {"form": form, "incidents": incidents})


@lead_required
def incident_detail(request, pk: int):
    incident = get_object_or_404(Incident, pk=pk)
    now = _now()
    update_form = f.IncidentUpdateForm(prefix="u")
    link_form = f.IncidentLinkTicketsForm(prefix="l")
    resolve_form = f.IncidentResolveForm(prefix="r")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "update":
                update_form = f.IncidentUpdateForm(request.POST, prefix="u")
                if update_form.is_valid():
                    incident_post_update(
                        incident=incident, body=update_form.cleaned_data["body"], by=request.user, now=now
                    )
                    messages.success(
                        request, "Update posted to the portal banner and mailed to every linked requester."
                    )
                    return redirect("desk:incident_detail", pk=pk)
            elif action == "link":
                link_form = f.IncidentLinkTicketsForm(request.POST, prefix="l")
                if link_form.is_valid():
                    for ticket in link_form.cleaned_data["references"]:
                        incident_link_ticket(incident=incident, ticket=ticket, by=request.user, now=now)
                    messages.success(
                        request, f"{len(link_form.cleaned_data['references'])} ticket(s) linked."
                    )
                    return redirect("desk:incident_detail", pk=pk)
            elif action == "resolve":
                resolve_form = f.IncidentResolveForm(request.POST, prefix="r")
                if resolve_form.is_valid():
                    incident_resolve(
                        incident=incident,
                        by=request.user,
                        now=now,
                        note=resolve_form.cleaned_data["note"],
                        resolve_tickets=resolve_form.cleaned_data["resolve_tickets"],
                    )
                    messages.success(request, "Incident resolved; the banner is gone.")
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


# --- abuse decision (team leads) -------------------------------------------------------------------


@lead_required
def organization_abuse(request, pk: int):
    organization = get_object_or_404(Organization.objects.select_related("plan"), pk=pk)
    form = f.AbuseForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "lift":
                organization_lift_top_priority_bar(organization=organization, by=request.user, now=_now())
                messages.success(request, f"{organization.name} may file the top priority again.")
                return redirect("desk:organization_abuse", pk=pk)
            if form.is_valid():
                decision = organization_bar_top_priority(
                    organization=organization, by=request.user, reason=form.cleaned_data["reason"], now=_now()
                )
                messages.success(
                    request,
                    f"{organization.name} is barred from the top priority; "
                    f"{len(decision.downgraded)} ticket(s) downgraded one level.",
                )
                return redirect("desk:organization_abuse", pk=pk)
        except TicketError as exc:
            messages.error(request, str(exc))
    affected = abuse_downgrades(organization)
    return render(
        request,
        "tickets/desk/organization_abuse.html",
        {
            "organization": organization,
            "form": form,
            "affected": affected,
        },
    )


# --- SLA dashboard (team leads) --------------------------------------------------------------------


def _weeks(request) -> int:
    raw = request.GET.get("weeks", "8")
    return min(max(int(raw), 1), 52) if raw.isdigit() else 8


def _chart_data(data: dict) -> dict:
    return {
        "weeks": [c.key for c in data["by_week"]],
        "fr_by_week": [c.fr_pct for c in data["by_week"]],
        "res_by_week": [c.res_pct for c in data["by_week"]],
        "priorities": [c.key for c in data["by_priority"]],
        "fr_by_priority": [c.fr_pct for c in data["by_priority"]],
        "res_by_priority": [c.res_pct for c in data["by_priority"]],
        "age_buckets": data["age_buckets"],
        "backlog": [
            {"label": b["priority"], "colour": b["colour"], "data": b["counts"]} for b in data["backlog"]
        ],
        "csat": data["csat"]["distribution"],
    }


@lead_required
def dashboard(request):
    data = sla_dashboard(now=_now(), weeks=_weeks(request))
    medians = [
        {
            **m,
            "first_response_words": duration_words(m["first_response"]),
            "resolution_words": duration_words(m["resolution"]),
        }
        for m in data["medians"]
    ]
    return render(
        request,
        "tickets/desk/dashboard.html",
        {
            **data,
            "medians": medians,
            "chart_data": _chart_data(data),
            "week_choices": [4, 8, 13, 26, 52],
            "compliance_groups": [
                ("Priority", data["by_priority"]),
                ("Plan", data["by_plan"]),
                ("Week", data["by_week"]),
            ]
            if data["rows"]
            else [],
            "csv_url": reverse("desk:dashboard_csv") + f"?weeks={data['weeks']}",
        },
    )


@lead_required
def dashboard_csv(request):
    data = sla_dashboard(now=_now(), weeks=_weeks(request))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="sla-{data["since"]:%Y-%m-%d}-{data["weeks"]}w.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            "week",
            "plan",
            "priority",
            "tickets",
            "first_response_met",
            "first_response_breached",
            "first_response_pending",
            "first_response_compliance_pct",
            "resolution_met",
            "resolution_breached",
            "resolution_pending",
            "resolution_compliance_pct",
        ]
    )
    for r in data["rows"]:
        fr = r["fr_met"] + r["fr_breached"]
        res = r["res_met"] + r["res_breached"]
        writer.writerow(
            [
                r["week"],
                r["plan"],
                r["priority"],
                r["tickets"],
                r["fr_met"],
                r["fr_breached"],
                r["fr_pending"],
                f"{100 * r['fr_met'] / fr:.1f}" if fr else "",
                r["res_met"],
                r["res_breached"],
                r["res_pending"],
                f"{100 * r['res_met'] / res:.1f}" if res else "",
            ]
        )
    return response
