"""The ticket page's owner picker lists the ticket's team (not every technician), and finds anyone else
by a search; rendered as one loop, not a template per option."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Team
from tests.factories import StaffFactory
from tickets.desk.forms import PICKER_MAX
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def options(html: str) -> str:
    return html.split('<select name="agent" id="id_agent">', 1)[1].split("</select>", 1)[0]


@pytest.fixture
def crowd(db):
    return [
        StaffFactory(email=f"x{i:03}@helpdesk.test", full_name=f"Xavier {i:03}")
        for i in range(PICKER_MAX + 10)
    ]


def test_the_picker_lists_the_tickets_team_the_owner_and_me_not_the_whole_staff(
    client, tech, tech2, crowd, make_ticket, frozen
):
    voice = Team.objects.create(name="Voice")
    voice.members.add(tech2, crowd[0])
    ticket = make_ticket("Phones down")
    Ticket.objects.filter(pk=ticket.pk).update(team=voice, assignee=crowd[1])
    client.force_login(tech)
    html = options(client.get(reverse("desk:ticket_detail", args=[ticket.pk])).content.decode())
    assert html.count("<option") == 1 + 4  # nobody, the team's two, the owner, me
    for person in (tech, tech2, crowd[0], crowd[1]):
        assert f'value="{person.pk}"' in html
    assert f'value="{crowd[1].pk}" selected' in html
    assert f'value="{crowd[2].pk}"' not in html


def test_without_teams_the_picker_lists_a_bounded_few_and_still_me_and_the_owner(
    client, tech, crowd, make_ticket, frozen
):
    ticket = make_ticket("Phones down")
    last = crowd[-1]  # "Xavier 049" sorts after the first PICKER_MAX names
    Ticket.objects.filter(pk=ticket.pk).update(assignee=last)
    client.force_login(tech)
    html = options(client.get(reverse("desk:ticket_detail", args=[ticket.pk])).content.decode())
    assert html.count("<option") <= 1 + PICKER_MAX + 2
    assert f'value="{tech.pk}"' in html and f'value="{last.pk}" selected' in html


def test_someone_outside_the_list_is_assigned_by_a_search(client, tech, crowd, make_ticket, frozen):
    ticket = make_ticket("Phones down")
    client.force_login(tech)
    url = reverse("desk:ticket_assign", args=[ticket.pk])
    client.post(url, {"agent": "", "search": "Xavier 047"})
    assert Ticket.objects.get(pk=ticket.pk).assignee == crowd[47]
    client.post(url, {"agent": "", "search": "X003@HELPDESK.TEST"})
    assert Ticket.objects.get(pk=ticket.pk).assignee == crowd[3]


@pytest.mark.parametrize(
    "typed, says", [("Xavier", "Several technicians match"), ("nobody-like-this", "No technician matches")]
)
def test_an_ambiguous_or_unknown_search_changes_nothing_and_says_why(
    client, tech, crowd, make_ticket, frozen, customer, typed, says
):
    ticket = make_ticket("Phones down")
    client.force_login(tech)
    response = client.post(reverse("desk:ticket_assign", args=[ticket.pk]), {"search": typed}, follow=True)
    assert response.status_code == 200 and says in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_a_customer_is_never_found_by_the_search(client, tech, make_ticket, frozen, customer):
    ticket = make_ticket("Phones down")
    client.force_login(tech)
    response = client.post(
        reverse("desk:ticket_assign", args=[ticket.pk]), {"search": customer.email}, follow=True
    )
    assert "No technician matches" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_the_picker_costs_the_same_queries_for_five_or_fifty_technicians(client, tech, make_ticket, frozen):
    ticket = make_ticket("Phones down")
    client.force_login(tech)
    url = reverse("desk:ticket_detail", args=[ticket.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(50):
        StaffFactory(email=f"y{i}@helpdesk.test")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("with_team", [False, True], ids=["no-team", "my-team"])
def test_the_bulk_bars_quick_picker_lists_whom_the_general_rule_lists(tech, crowd, with_team):
    """The queue passes the teams it reads anyway and gets one plain query (``_my_teams_choices``); it
    must list exactly the people the general rule lists for ``ticket=None``: my team and me, or, on a
    desk without teams, a bounded few with me among them though my name sorts last."""
    from tickets.desk.forms import assignee_choices

    tech.full_name = "Zed Last"  # after every "Xavier": still listed
    tech.save(update_fields=["full_name"])
    if with_team:
        team = Team.objects.create(name="Voice")
        team.members.add(tech, crowd[5], crowd[45])
    teams = list(Team.objects.filter(members=tech))
    quick = assignee_choices(ticket=None, viewer=tech, viewer_teams=teams)
    general = assignee_choices(ticket=None, viewer=tech)
    assert [p.pk for p in quick] == [p.pk for p in general]
    assert tech in quick and len(quick) == (3 if with_team else PICKER_MAX)
