"""The customer portal. Thin views: reads through selectors, writes through services."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from sla.models import PriorityLevel

from ..models import Message, Ticket
from ..selectors import customer_tickets, sla_state
from ..services import TicketError, message_add, ticket_create


class TicketForm(forms.Form):
    subject = forms.CharField(max_length=255)
    priority = forms.ModelChoiceField(queryset=PriorityLevel.objects.all(), required=False)
    description = forms.CharField(widget=forms.Textarea)


class ReplyForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea, label="Reply")


@login_required
def ticket_list(request):
    if request.user.is_staff:
        return redirect("desk:queue")
    now = timezone.now()
    tickets = list(customer_tickets(user=request.user)[:50])
    rows = [(t, sla_state(t, now)) for t in tickets]
    return render(request, "tickets/portal/ticket_list.html", {"rows": rows})


@login_required
def ticket_new(request):
    form = TicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = ticket_create(
                requester=request.user,
                subject=form.cleaned_data["subject"],
                description=form.cleaned_data["description"],
                priority=form.cleaned_data["priority"],
                now=timezone.now(),
            )
        except TicketError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Ticket {ticket.reference} received.")
            return redirect("portal:ticket_detail", pk=ticket.pk)
    return render(request, "tickets/portal/ticket_new.html", {"form": form})


@login_required
def ticket_detail(request, pk: int):
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user).select_related("priority", "assignee"), pk=pk)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message_add(ticket=ticket, author=request.user, body=form.cleaned_data["body"], now=timezone.now())
        except TicketError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("portal:ticket_detail", pk=ticket.pk)
    thread = ticket.messages.filter(kind=Message.Kind.PUBLIC).select_related("author")
    return render(
        request,
        "tickets/portal/ticket_detail.html",
        {"ticket": ticket, "thread": thread, "form": form, "sla": sla_state(ticket, timezone.now())},
    )
