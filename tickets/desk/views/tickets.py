"""The ticket page and its actions: assign, reply, status, re-classify, merge, link to an incident;
logging a ticket for a customer; downloading an attachment."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sla.models import PriorityLevel

from ...attachments import attachment_response
from ...fields import filing_key
from ...models import Attachment, Message, Status, Ticket
from ...policy import merge_refusal, time_tracking
from ...selectors import request_field_rows
from ...services import (
    TRANSITIONS,
    TicketError,
    message_add,
    ticket_assign,
    ticket_change_status,
    ticket_merge,
    ticket_reclassify,
    ticket_tags_change,
)
from ...services.attachments import attachments_save
from ...services.filing import ticket_file_once
from ...services.incidents import incident_link_ticket
from .. import forms
from ..history import due_explanation, explain_events
from ..presence import POLL_SECONDS, presence_report
from ..selectors import canned_replies_filled, customer_context, messages_since, tags_for_ticket_page
from ..thread import thread_words
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
    return _detail_page(request, ticket_for(request, pk))


def _detail_page(request, ticket: Ticket, *, reply_form=None, newer=(), status: int = 200):
    """The ticket page; after a refused reply it shows the agent's draft again (nothing typed is lost)
    and, when someone replied meanwhile, those messages (``newer``)."""
    levels = list(PriorityLevel.objects.all())
    lines = explain_events(ticket, levels)
    thread = list(ticket.messages.select_related("author").prefetch_related("attachments"))
    last_id = max((m.pk for m in thread), default=0)
    tags, tag_suggestions = tags_for_ticket_page(ticket)
    if reply_form is None:
        reply_form = forms.ReplyForm(initial={"seen_message": last_id})
    return render(
        request,
        "tickets/desk/ticket_detail.html",
        {
            "ticket": ticket,
            "sla": sla_clock(ticket, current_time()),
            "thread": thread_words(thread, newer=newer),
            "history": lines,
            "why_due": due_explanation(ticket, lines),
            "assignees": forms.assignee_choices(ticket=ticket, viewer=request.user),
            "reply_form": reply_form,
            "newer": newer,
            "time_tracking": time_tracking(ticket),
            "minutes_total": sum(m.minutes or 0 for m in thread),
            "presence_poll_ms": POLL_SECONDS * 1000,
            "status_choices": [
                (s.value, s.label) for s in Status if s.value in TRANSITIONS.get(ticket.status, ())
            ],
            "levels": levels,
            "merge_form": forms.MergeForm(),
            "canned": canned_replies_filled(ticket=ticket, agent=request.user),
            "merged": ticket.merged.all(),
            "request_rows": request_field_rows(ticket),
            "tags": tags,
            "tag_suggestions": tag_suggestions,
            "context": customer_context(ticket, now=current_time()),
        },
        status=status,
    )


@require_POST
@staff_required
def ticket_assign_view(request, pk: int):
    ticket = ticket_for(request, pk)

    def assign(agent):
        ticket_assign(ticket=ticket, agent=agent, by=request.user, now=current_time())

    def assigned(agent) -> str:
        if agent:
            return _("%(reference)s assigned to %(agent)s.") % {
                "reference": ticket.reference,
                "agent": agent.display_name,
            }
        return _("%(reference)s unassigned.") % {"reference": ticket.reference}

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
    """Send a reply or note. Unlike the small forms, a refused reply shows the page again with the
    draft in place; and a message someone else added since the page was loaded stops the send once,
    so nobody answers a customer over a colleague's reply they have not read."""
    ticket = ticket_for(request, pk)
    form = forms.ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail_page(request, ticket, reply_form=form, status=400)
    data = form.cleaned_data
    newer = messages_since(ticket=ticket, seen_id=data["seen_message"], reader=request.user)
    if newer:
        form = forms.ReplyForm(
            {**request.POST.dict(), "seen_message": max(m.pk for m in newer)}  # the next send goes
        )
        form.is_valid()
        again = " " + _("Choose your files again.") if data["attachments"] else ""
        messages.warning(
            request,
            _("Someone added to this ticket while you were writing: read it, then send again.") + again,
        )
        return _detail_page(request, ticket, reply_form=form, newer=newer, status=409)
    try:
        with transaction.atomic():
            message = message_add(
                ticket=ticket,
                author=request.user,
                body=data["body"],
                kind=data["kind"],
                now=current_time(),
                set_status=data["set_status"] or None,
                minutes=data["minutes"],
            )
            attachments_save(
                ticket=message.ticket, message=message, uploads=data["attachments"], by=request.user
            )
    except TicketError as exc:
        form.add_error(None, str(exc))
        return _detail_page(request, ticket, reply_form=form, status=400)
    if data["kind"] == Message.Kind.INTERNAL:
        messages.success(
            request, _("Internal note added on %(reference)s.") % {"reference": ticket.reference}
        )
    else:
        messages.success(request, _("Reply sent on %(reference)s.") % {"reference": ticket.reference})
    return back(ticket)


@require_POST
@staff_required
def ticket_presence(request, pk: int):
    """The ticket page's poll: "I am here (typing or not)"; answers who else is, and the newest message
    id, so the page can say "a new message arrived" before the agent sends."""
    ticket = ticket_for(request, pk)
    others = presence_report(
        ticket_id=ticket.pk, user=request.user, typing=request.POST.get("typing") == "1", now=current_time()
    )
    last = (
        ticket.messages.exclude(kind=Message.Kind.SYSTEM).order_by("-pk").values_list("pk", flat=True).first()
    )
    return JsonResponse(
        {
            "others": [{"name": v.name, "typing": v.typing} for v in others],
            "last_message": last or 0,
        }
    )


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
        lambda data: (
            _("%(reference)s is now %(status)s.")
            % {"reference": ticket.reference, "status": Status(data["status"]).label.lower()}
        ),
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
        lambda data: (
            _("%(reference)s re-classified as %(priority)s; the customer was told.")
            % {"reference": ticket.reference, "priority": data["priority"].name}
        ),
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
    messages.success(
        request,
        _("%(source)s merged into %(target)s.") % {"source": ticket.reference, "target": target.reference},
    )
    return back(target)  # the thread lives on the target now


@require_POST
@staff_required
def ticket_tags(request, pk: int):
    ticket = ticket_for(request, pk)

    def said(data) -> str:
        parts = []
        if data["add"].strip():
            parts.append(_("tagged %(tags)s") % {"tags": data["add"].strip()})
        if data["remove"].strip():
            parts.append(_("untagged %(tag)s") % {"tag": data["remove"].strip()})
        return _("%(reference)s %(changes)s.") % {
            "reference": ticket.reference,
            "changes": _(" and ").join(parts),
        }

    return form_action(
        request,
        ticket,
        forms.TagsForm,
        lambda data: ticket_tags_change(
            ticket=ticket, add=data["add"], remove=[data["remove"]], by=request.user, now=current_time()
        ),
        said,
    )


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
        lambda data: (
            _("%(reference)s linked to the incident %(incident)s.")
            % {"reference": ticket.reference, "incident": data["incident"].title}
        ),
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
                messages.success(
                    request,
                    _("%(reference)s logged for %(requester)s.")
                    % {"reference": ticket.reference, "requester": data["requester"].display_name},
                )
            else:
                messages.info(
                    request,
                    _("This form was already filed as %(reference)s; nothing new was filed.")
                    % {"reference": ticket.reference},
                )
            return redirect("desk:ticket_detail", pk=ticket.pk)
    return render(request, "tickets/desk/ticket_new.html", {"form": form})


@staff_required
def attachment_download(request, pk: int):
    attachment = get_object_or_404(
        Attachment.objects.filter(ticket__in=Ticket.objects.visible_to(request.user)), pk=pk
    )
    return attachment_response(attachment)
