"""The technician workspace."""

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from ..models import Ticket
from ..selectors import sla_state, ticket_queue


@staff_member_required(login_url="/accounts/login/")
def queue(request):
    now = timezone.now()
    rows = [(t, sla_state(t, now)) for t in ticket_queue(agent=request.user, now=now)[:50]]
    return render(request, "tickets/desk/queue.html", {"rows": rows})


@staff_member_required(login_url="/accounts/login/")
def ticket_detail(request, pk: int):
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user), pk=pk)
    return render(
        request,
        "tickets/desk/ticket_detail.html",
        {"ticket": ticket, "thread": ticket.messages.select_related("author"), "events": ticket.events.select_related("actor")},
    )
