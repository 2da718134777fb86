"""seed_bulk: realistic, consistent with the services, idempotent per seed (small N, on the test DB)."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max

from accounts.models import Organization, User
from sla.models import PriorityLevel
from sla.selectors import sla_deadlines
from tickets.alerts import sla_warn_instants
from tickets.models import Message, Status, Ticket, TicketEvent
from tickets.querysets import OPEN_STATUSES

pytestmark = pytest.mark.django_db(transaction=False)

ANCHOR = "2026-03-06"


def seed(**kw):
    args = {"tickets": 600, "organizations": 12, "seed": 7, "anchor": ANCHOR, "no_progress": True}
    args.update(kw)
    out = StringIO()
    call_command("seed_bulk", stdout=out, stderr=StringIO(), **args)
    return out.getvalue()


def snapshot():
    tickets = list(
        Ticket.objects.order_by("id").values_list(
            "id",
            "organization__customer_number",
            "requester__email",
            "subject",
            "priority__slug",
            "priority_rank",
            "plan__slug",
            "status",
            "assignee__email",
            "received_at",
            "last_activity_at",
            "first_response_due_at",
            "resolution_due_at",
            "first_responded_at",
            "resolved_at",
            "closed_at",
        )
    )
    messages = list(
        Message.objects.order_by("id").values_list("ticket_id", "kind", "from_staff", "body", "created_at")
    )
    events = list(
        TicketEvent.objects.order_by("id").values_list("ticket_id", "kind", "new_value", "created_at")
    )
    users = list(
        User.objects.order_by("email").values_list("email", "is_staff", "organization__customer_number")
    )
    return tickets, messages, events, users


def test_it_seeds_the_asked_tickets_organizations_and_people():
    seed()
    assert Ticket.objects.count() == 600
    assert Organization.objects.filter(customer_number__startswith="S7-").count() == 12
    assert User.objects.filter(is_staff=False, organization__isnull=False).count() == 36
    assert User.objects.filter(is_staff=True, groups__name="Technicians").count() >= 5
    customer = User.objects.filter(is_staff=False).first()
    assert customer.check_password("bench")  # the load script signs in with it


def test_proportions_look_like_a_real_helpdesk():
    seed(tickets=2000, organizations=20)
    tickets = Ticket.objects.all()
    open_share = tickets.filter(status__in=OPEN_STATUSES).count() / 2000
    assert 0.07 <= open_share <= 0.13  # about one in ten still open
    by_rank = Counter(tickets.values_list("priority_rank", flat=True))
    urgent, high, normal, low = (by_rank[r] / 2000 for r in (1, 2, 3, 4))
    assert urgent < 0.05 < high < 0.2 < low < normal  # urgent is rare, normal dominates
    assert set(tickets.values_list("status", flat=True)) == set(Status.values)
    per_ticket = tickets.annotate(m=Count("messages")).aggregate(most=Max("m"))
    assert Message.objects.count() / 2000 >= 2.5 and TicketEvent.objects.count() / 2000 >= 3
    assert per_ticket["most"] == 50  # the long threads for the "ticket page with 50 messages" figure
    assert (
        tickets.filter(subject__startswith="Long thread").annotate(m=Count("messages")).filter(m=50).count()
        == 10
    )
    assert Organization.objects.values("plan").distinct().count() >= 2


def test_stored_fields_match_what_the_services_would_store():
    seed(tickets=300, organizations=6)
    priorities = {p.pk: p for p in PriorityLevel.objects.all()}
    for ticket in Ticket.objects.select_related("plan", "priority", "organization")[:300]:
        assert ticket.priority_rank == priorities[ticket.priority_id].rank
        assert ticket.plan_id == ticket.organization.plan_id
        expected = sla_deadlines(plan=ticket.plan, priority=ticket.priority, start=ticket.received_at)
        assert ticket.first_response_due_at == expected.first_response_due_at
        assert ticket.resolution_due_at == expected.resolution_due_at
        warn = sla_warn_instants(ticket=ticket, deadlines=expected, start=ticket.received_at)
        assert (ticket.first_response_warn_at, ticket.resolution_warn_at) == warn
        public = ticket.messages.filter(kind=Message.Kind.PUBLIC).aggregate(last=Max("created_at"))["last"]
        assert ticket.last_activity_at == public
        assert ticket.requester.organization_id == ticket.organization_id
        if ticket.status == Status.NEW:
            assert ticket.first_responded_at is None
        else:
            assert ticket.first_responded_at is not None and ticket.assignee_id is not None
        if ticket.status in (Status.RESOLVED, Status.CLOSED):
            assert ticket.resolved_at is not None
        else:
            assert ticket.resolved_at is None
        assert (ticket.closed_at is not None) == (ticket.status == Status.CLOSED)
        assert (ticket.sla_paused_at is not None) == (ticket.status == Status.WAITING)
        if ticket.first_responded_at and ticket.first_response_due_at:
            late = ticket.first_responded_at > ticket.first_response_due_at
            assert (ticket.first_response_breached_at is not None) == late
    assert not Ticket.objects.filter(received_at__gt=F("last_activity_at")).exists()


def test_running_twice_with_the_same_seed_leaves_the_same_data():
    seed()
    before = snapshot()
    out = seed()
    assert "nothing to do" in out
    assert snapshot() == before


def test_a_partial_or_resized_run_is_replaced_by_the_same_seeds_data():
    seed(tickets=600)
    full = snapshot()
    seed(tickets=100)
    assert Ticket.objects.count() == 100
    seed(tickets=600)
    again = snapshot()
    # Same people, organizations and stories; only the ids of the rebuilt rows moved on.
    assert [t[1:] for t in again[0]] == [t[1:] for t in full[0]]
    assert [m[1:] for m in again[1]] == [m[1:] for m in full[1]]
    assert again[3] == full[3]


def test_another_seed_adds_its_own_organizations_next_to_the_first():
    seed(tickets=200, organizations=4, seed=1)
    seed(tickets=300, organizations=5, seed=2)
    assert Ticket.objects.filter(organization__customer_number__startswith="S1-").count() == 200
    assert Ticket.objects.filter(organization__customer_number__startswith="S2-").count() == 300
