"""The customer portal. Thin views: reads through selectors, writes through services.

Every view that touches a ticket finds it through ``Ticket.objects.visible_to(user)``, so a ticket of
another organization is a 404 whatever the URL (detail, actions, thread, attachments).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from notifications.timewords import DUE_FORMAT_LONG, due_words
from sla.models import PriorityLevel

from .. import policy
from ..attachments import attachment_response, attachments_visible_to
from ..fields import filing_key
from ..models import Message, RequestType, Status, Ticket
from ..reasons import Reason, close_reason
from ..search import best_first, candidates, clean, snippets
from ..selectors import customer_page, customer_tickets, open_incidents
from ..services import (
    SurveyError,
    TicketError,
    attachments_save,
    message_add,
    survey_answer,
    survey_for_token,
    ticket_close,
    ticket_edit_request,
    ticket_escalate,
    ticket_file_once,
    ticket_reopen,
)
from .display import calendar_zones, first_response_text, priority_options, sla_target, sla_view
from .forms import (
    FALLBACK_FIELDS,
    CloseForm,
    EscalateForm,
    ReplyForm,
    SurveyForm,
    TicketFilterForm,
    TicketRequestForm,
    edit_initial,
)
from .history import customer_history

PAGE_SIZE = 25
# Tickets filed without a form (email, API) edit their subject and description.
DESCRIPTION_ONLY = [
    {"name": "description", "label": gettext_lazy("Description"), "type": "textarea", "required": False}
]


def _ticket(request, pk: int) -> Ticket:
    return get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related(
            "priority", "assignee", "requester", "organization", "plan", "request_type", "incident"
        ),
        pk=pk,
    )


def _is_htmx_partial(request) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


# --- Following tickets ----------------------------------------------------------------------------


@login_required
def ticket_list(request):
    user = request.user
    if user.is_staff:
        return redirect("desk:queue")
    shares = bool(user.organization_id and user.organization.shares_tickets)
    scope = request.GET.get("scope", "mine")
    if scope != "org" or not shares:
        scope = "mine"
    mine = scope == "mine"
    qs = customer_tickets(user=user, mine=mine)
    form = TicketFilterForm(request.GET or None)
    q = ""
    narrow = Q()
    if form.is_valid():
        q = clean(form.cleaned_data["q"])
        status = form.cleaned_data["status"]
        if status == "open":
            narrow &= policy.open_q()
        elif status:
            narrow &= Q(status=status)
        if form.cleaned_data["priority"]:
            narrow &= Q(priority=form.cleaned_data["priority"])
    qs = qs.filter(narrow)
    after = next_after = None
    if q:  # full-text over what the customer may read (never internal notes): the newest matches, best first
        found = best_first(candidates(qs, text=q, reader=user, few=True), q)
        page = Paginator([row[0] for row in found], PAGE_SIZE).get_page(request.GET.get("page"))
        by_id = qs.in_bulk(list(page.object_list))
        tickets = [by_id[pk] for pk in page.object_list if pk in by_id]
    else:  # newest activity first: keyset pages, the same cost at any depth and any history length
        page = None
        after = request.GET.get("after", "")
        arms = Ticket.objects.visible_arms(user, mine=mine)  # the rule's own arms, each read in index order
        tickets, next_after = customer_page(qs, arms=arms, narrow=narrow, after=after, size=PAGE_SIZE)
    now = timezone.now()
    if q:
        found = snippets([t.pk for t in tickets], text=q, reader=user)
        for t in tickets:
            t.search_snippet = found.get(t.pk)
    zones = calendar_zones(tickets)  # one query for the page: each row names its SLA zone
    context = {
        "rows": [(t, sla_view(t, now, zones.get((t.plan_id, t.priority_id)))) for t in tickets],
        "page": page,
        "after": after,
        "next_after": next_after,
        "form": form,
        "scope": scope,
        "shares": shares,
        "filtered": bool(form.is_bound and any(form.cleaned_data.values()))
        if form.is_bound and form.is_valid()
        else False,
        "querystring": _querystring(request, drop=("page", "after")),
        "scope_querystring": _querystring(request, drop=("scope", "page", "after")),
    }
    template = (
        "tickets/portal/_ticket_results.html"
        if _is_htmx_partial(request)
        else "tickets/portal/ticket_list.html"
    )
    return render(request, template, context)


def _querystring(request, drop) -> str:
    drop = (drop,) if isinstance(drop, str) else drop
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


def _thread(ticket: Ticket):
    return (
        ticket.messages.filter(kind=Message.Kind.PUBLIC)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def _detail_context(request, ticket: Ticket, **forms) -> dict:
    now = timezone.now()
    user = request.user
    can_reopen = policy.may_reopen(ticket, now, by=user)
    target = sla_target(ticket)
    zone = target.calendar.timezone if target is not None else None
    return {
        "ticket": ticket,
        "thread": _thread(ticket),
        "loose_files": ticket.attachments.filter(message__isnull=True),
        "sla": sla_view(ticket, now, zone),
        "received": request.GET.get("received") == "1",
        "first_response_text": first_response_text(ticket, target),
        "first_response_due_words": due_words(ticket.first_response_due_at, zone, fmt=DUE_FORMAT_LONG)
        if ticket.first_response_due_at
        else "",
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "close_form": forms.get("close_form") or CloseForm(),
        "escalate_form": forms.get("escalate_form") or EscalateForm(),
        "can_confirm": ticket.status != Status.CLOSED,
        "can_close": policy.is_open(ticket),
        "can_reopen": can_reopen,
        "reopen_expired": ticket.status in policy.DONE_STATUSES and not can_reopen,
        "can_escalate": policy.may_escalate(ticket, now),
        "escalate_any_time": ticket.priority.escalate_any_time,
        "can_edit": policy.may_edit(ticket, now, by=user),
        "breached": policy.is_breached(ticket, now),
        "history": customer_history(ticket),
        "close_reason": close_reason(ticket),
    }


@login_required
def ticket_detail(request, pk: int):
    ticket = _ticket(request, pk)
    form = ReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    message = message_add(
                        ticket=ticket, author=request.user, body=form.cleaned_data["body"], now=timezone.now()
                    )
                    attachments_save(
                        ticket=ticket,
                        message=message,
                        uploads=form.cleaned_data["attachments"],
                        by=request.user,
                    )
            except TicketError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Your reply was added."))
                return redirect("portal:ticket_detail", pk=ticket.pk)
        status = 400
    else:
        status = 200
    return render(
        request,
        "tickets/portal/ticket_detail.html",
        _detail_context(request, ticket, reply_form=form),
        status=status,
    )


@require_GET
@login_required
def ticket_thread(request, pk: int):
    """The thread alone, polled by HTMX so staff replies appear without reloading."""
    ticket = _ticket(request, pk)
    return render(request, "tickets/portal/_thread.html", {"ticket": ticket, "thread": _thread(ticket)})


def _act(request, ticket: Ticket, action, success: str):
    try:
        action()
    except TicketError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("portal:ticket_detail", pk=ticket.pk)


@require_POST
@login_required
def ticket_confirm(request, pk: int):
    ticket = _ticket(request, pk)
    return _act(
        request,
        ticket,
        lambda: ticket_close(
            ticket=ticket,
            by=request.user,
            now=timezone.now(),
            reason=Reason(gettext_lazy("Resolution confirmed by the customer")),
        ),
        _("Thank you for confirming. The ticket is closed."),
    )


@require_POST
@login_required
def ticket_close_unresolved(request, pk: int):
    ticket = _ticket(request, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, ticket, close_form=form)
        return render(request, "tickets/portal/ticket_detail.html", context, status=400)
    reason = Reason(
        gettext_lazy("Closed without resolution by the customer: %(why)s"), why=form.cleaned_data["reason"]
    )
    return _act(
        request,
        ticket,
        lambda: ticket_close(ticket=ticket, by=request.user, now=timezone.now(), reason=reason),
        _("The ticket is closed without a resolution. You can reopen it if you need us again."),
    )


@require_POST
@login_required
def ticket_reopen_view(request, pk: int):
    ticket = _ticket(request, pk)
    return _act(
        request,
        ticket,
        lambda: ticket_reopen(
            ticket=ticket,
            by=request.user,
            now=timezone.now(),
            reason=Reason(gettext_lazy("Reopened by the customer")),
        ),
        _("The ticket is open again; the team has been told."),
    )


@require_POST
@login_required
def ticket_escalate_view(request, pk: int):
    ticket = _ticket(request, pk)
    form = EscalateForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(
        request,
        ticket,
        lambda: ticket_escalate(
            ticket=ticket,
            by=request.user,
            now=timezone.now(),
            reason=reason or Reason(gettext_lazy("Escalated by the customer")),
        ),
        _("Escalated: support leadership has been told and will review your ticket."),
    )


@login_required
def ticket_edit(request, pk: int):
    ticket = _ticket(request, pk)
    now = timezone.now()
    if not policy.may_edit(ticket, now, by=request.user):
        messages.error(
            request, _("You can edit the request once its response time has passed without an answer.")
        )
        return redirect("portal:ticket_detail", pk=ticket.pk)
    structured = bool(ticket.request_type and ticket.request_type.fields)
    specs = list(ticket.request_type.fields) if structured else DESCRIPTION_ONLY
    initial = (
        edit_initial(ticket, specs)
        if structured
        else {"subject": ticket.subject, "rf_description": ticket.description}
    )
    form = TicketRequestForm(request.POST or None, field_specs=specs, filing=False, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            ticket_edit_request(
                ticket=ticket,
                by=request.user,
                now=now,
                subject=form.cleaned_data["subject"],
                description=form.description() if structured else form.cleaned_data["rf_description"],
                request_fields=form.request_fields() if structured else None,
            )
        except TicketError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your request was updated."))
            return redirect("portal:ticket_detail", pk=ticket.pk)
    context = {"ticket": ticket, "form": form, "breached": policy.is_breached(ticket, now)}
    return render(request, "tickets/portal/ticket_edit.html", context)


@require_GET
@login_required
def attachment_download(request, pk: int, attachment_id: int):
    ticket = _ticket(request, pk)
    attachment = get_object_or_404(attachments_visible_to(request.user, ticket), pk=attachment_id)
    return attachment_response(attachment)


# --- Filing a ticket -------------------------------------------------------------------------------


def _field_specs(request_type: RequestType | None) -> list[dict]:
    return list(request_type.fields) if request_type is not None and request_type.fields else FALLBACK_FIELDS


@login_required
def ticket_new(request, slug: str | None = None):
    user = request.user
    if user.is_staff:
        messages.info(request, _("Staff file tickets for customers from the desk."))
        return redirect("desk:queue")
    if user.organization_id is None:
        return render(request, "tickets/portal/ticket_new.html", {"no_organization": True})
    types = list(
        RequestType.objects.filter(active=True).prefetch_related("priorities").order_by("position", "name")
    )
    if slug is not None:
        request_type = next((t for t in types if t.slug == slug), None)
        if request_type is None:
            raise Http404("No such request form.")
    elif len(types) > 1:
        return render(request, "tickets/portal/ticket_pick.html", {"types": types})
    else:
        request_type = types[0] if types else None

    org = user.organization
    levels = list(policy.priorities_offered(request_type))
    default = PriorityLevel.default()
    incidents = list(open_incidents())
    form = TicketRequestForm(
        request.POST or None,
        request.FILES or None,
        field_specs=_field_specs(request_type),
        priorities=PriorityLevel.objects.filter(pk__in=[p.pk for p in levels]),
        default_priority=default if default in levels else None,
        incidents=incidents,
    )
    if request.method == "POST" and form.is_valid():
        incident = form.incident_choice()
        try:
            with transaction.atomic():
                filed = ticket_file_once(
                    key=filing_key(form.cleaned_data),
                    by=user,
                    requester=user,
                    subject=form.cleaned_data["subject"],
                    description=form.description(),
                    priority=form.cleaned_data["priority"],
                    request_type=request_type,
                    request_fields=form.request_fields(),
                    about_incident=incident is not None,
                    incident=incident,
                    now=timezone.now(),
                )
                ticket = filed.ticket
                if filed.created:
                    first = ticket.messages.order_by("id").first()
                    attachments_save(
                        ticket=ticket, message=first, uploads=form.cleaned_data["attachments"], by=user
                    )
        except TicketError as exc:
            form.add_error(None, str(exc))
        else:
            if not filed.created:
                messages.info(
                    request,
                    _("This form was already filed as %(reference)s; nothing new was filed.")
                    % {"reference": ticket.reference},
                )
                return redirect(ticket_url(ticket))
            return redirect(f"{ticket_url(ticket)}?received=1")
    selected = str(form["priority"].value() or "")
    return render(
        request,
        "tickets/portal/ticket_new.html",
        {
            "form": form,
            "request_type": request_type,
            "several_types": len(types) > 1,
            "options": priority_options(levels, org.plan, org),
            "selected_priority": selected,
            "files_lost": request.method == "POST" and bool(request.FILES) and not form.is_valid(),
        },
        status=400 if request.method == "POST" else 200,
    )


def ticket_url(ticket: Ticket) -> str:
    return reverse("portal:ticket_detail", args=[ticket.pk])


# --- Survey and incident banner (no ticket scope: the token is the credential / public status) -----


def survey(request, token: str):
    """GET shows the form and records nothing (mail scanners follow links); POST records the answer."""
    now = timezone.now()
    try:
        survey_row = survey_for_token(token=token, now=now)
    except SurveyError as exc:
        return _no_store(render(request, "tickets/portal/survey.html", {"error": str(exc)}, status=410))
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey_answer(
                token=token, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"], now=now
            )
        except SurveyError as exc:
            form.add_error(None, str(exc))
        else:
            return _no_store(
                render(request, "tickets/portal/survey.html", {"thanks": True, "ticket": survey_row.ticket})
            )
    return _no_store(
        render(
            request,
            "tickets/portal/survey.html",
            {"form": form, "ticket": survey_row.ticket},
            status=400 if request.method == "POST" else 200,
        )
    )


def _no_store(response):
    # The token is in the URL: never cache the page. (Referrer-Policy stays "same-origin" from settings;
    # "no-referrer" would make Chromium send "Origin: null" and fail the CSRF check.)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def incident_banner(request):
    return render(request, "tickets/portal/_incident_banner.html")
