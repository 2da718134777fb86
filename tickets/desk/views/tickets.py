"""The ticket page and its actions: assign, reply, status, re-classify, merge, link to an incident;
logging a ticket for a customer; downloading an attachment."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from sla.models import PriorityLevel

from ...attachments import attachment_response
from ...fields import filing_key
from ...models import Attachment, Message, Status, Ticket
from ...policy import merge_refusal
from ...selectors import request_field_rows
from ...services import (
    TRANSITIONS,
    TicketError,
    message_add,
    ticket_assign,
    ticket_change_status,
    ticket_merge,
    ticket_reclassify,
)
from ...services.attachments import attachments_save
from ...services.filing import ticket_file_once
from ...services.incidents import incident_link_ticket
from .. import forms
from ..history import due_explanation, explain_events
from ..selectors import canned_replies_filled
from ._common import (
    attempt,
    back,
    current_time,
    form_action,
    form_errors,
    sla_clock,
    staff_required,
    ticket_for,
)


@staff_required
def ticket_detail(request, pk: int):
    ticket = ticket_for(request, pk)
    levels = list(PriorityLevel.objects.all())
    lines = explain_events(ticket, levels)
    thread = ticket.messages.select_related("author").prefetch_related("attachments")
    return render(
        request,
        "tickets/desk/ticket_detail.html",
        {
            "ticket": ticket,
            "sla": sla_clock(ticket, current_time()),
            "thread": thread,
            "history": lines,
            "why_due": due_explanation(ticket, lines),
            "assign_form": forms.AssignForm(initial={"agent": ticket.assignee_id}),
            "reply_form": forms.ReplyForm(),
            "status_choices": [
                (s.value, s.label) for s in Status if s.value in TRANSITIONS.get(ticket.status, ())
            ],
            "levels": levels,
            "merge_form": forms.MergeForm(),
            "canned": canned_replies_filled(ticket=ticket, agent=request.user),
            "merged": ticket.merged.all(),
            "request_rows": request_field_rows(ticket),
        },
    )


@require_POST
@staff_required
def ticket_assign_view(request, pk: int):
    ticket = ticket_for(request, pk)

    def assign(agent):
        ticket_assign(ticket=ticket, agent=agent, by=request.user, now=current_time())

    def assigned(agent) -> str:
        return (
            f"{ticket.reference} assigned to {agent.display_name}."
            if agent
            else f"{ticket.reference} unassigned."
        )

    if request.POST.get("to") == "me":
        attempt(request, lambda: assign(request.user), lambda _: assigned(request.user))
        return back(ticket)
    return form_action(
        request,
        ticket,
        forms.AssignForm,
        lambda data: assign(data["agent"]),
        lambda data: assigned(data["agent"]),
    )


@require_POST
@staff_required
def ticket_reply(request, pk: int):
    ticket = ticket_for(request, pk)

    @transaction.atomic
    def reply(data: dict) -> None:
        message = message_add(
            ticket=ticket,
            author=request.user,
            body=data["body"],
            kind=data["kind"],
            now=current_time(),
            set_status=data["set_status"] or None,
        )
        attachments_save(ticket=message.ticket, message=message, uploads=data["attachments"], by=request.user)

    def replied(data: dict) -> str:
        what = "Internal note added" if data["kind"] == Message.Kind.INTERNAL else "Reply sent"
        return f"{what} on {ticket.reference}."

    return form_action(request, ticket, forms.ReplyForm, reply, replied)


@require_POST
@staff_required
def ticket_status(request, pk: int):
    ticket = ticket_for(request, pk)
    return form_action(
        request,
        ticket,
        forms.StatusForm,
        lambda data: ticket_change_status(
            ticket=ticket, status=data["status"], by=request.user, now=current_time(), reason=data["reason"]
        ),
        lambda data: f"{ticket.reference} is now {Status(data['status']).label.lower()}.",
    )


@require_POST
@staff_required
def ticket_reclassify_view(request, pk: int):
    ticket = ticket_for(request, pk)
    return form_action(
        request,
        ticket,
        forms.ReclassifyForm,
        lambda data: ticket_reclassify(
            ticket=ticket,
            priority=data["priority"],
            by=request.user,
            reason=data["reason"],
            now=current_time(),
        ),
        lambda data: f"{ticket.reference} re-classified as {data['priority'].name}; the customer was told.",
    )


@require_POST
@staff_required
def ticket_merge_view(request, pk: int):
    ticket = ticket_for(request, pk)
    form = forms.MergeForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return back(ticket)
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
        target = ticket_merge(source=ticket, target=target, by=request.user, now=current_time())
    except TicketError as exc:
        messages.error(request, str(exc))
        return back(ticket)
    messages.success(request, f"{ticket.reference} merged into {target.reference}.")
    return back(target)  # the thread lives on the target now


@require_POST
@staff_required
def ticket_link_incident(request, pk: int):
    ticket = ticket_for(request, pk)
    return form_action(
        request,
        ticket,
        forms.LinkIncidentForm,
        lambda data: incident_link_ticket(
            incident=data["incident"], ticket=ticket, by=request.user, now=current_time()
        ),
        lambda data: f"{ticket.reference} linked to the incident {data['incident'].title}.",
    )


@staff_required
def ticket_new(request):
    form = forms.LogTicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        now = current_time()
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
                messages.info(
                    request, f"This form was already filed as {ticket.reference}; nothing new was filed."
                )
            return redirect("desk:ticket_detail", pk=ticket.pk)
    return render(request, "tickets/desk/ticket_new.html", {"form": form})


@staff_required
def attachment_download(request, pk: int):
    attachment = get_object_or_404(
        Attachment.objects.filter(ticket__in=Ticket.objects.visible_to(request.user)), pk=pk
    )
    return attachment_response(attachment)
