"""Saved queue views: what a view may hold, who sees and changes it, its tab with a capped live count,
and the queries that costs."""

import pytest
from django.urls import reverse

from accounts.models import Team
from tests.conftest import NOW
from tests.desk.test_queue import QUEUE_PAGE_QUERIES
from tests.factories import StaffFactory
from tickets.desk import queue as desk_queue
from tickets.desk.queue import count_label, saved_query_clean, saved_view_counts
from tickets.models import SavedView
from tickets.policy import TicketError, may_edit_saved_view
from tickets.selectors import saved_views_for
from tickets.services import (
    saved_view_change,
    saved_view_create,
    saved_view_delete,
    saved_view_move,
    ticket_assign,
    ticket_tags_change,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider(db):
    """A technician of another team."""
    other = Team.objects.create(name="Data")
    person = StaffFactory(email="olly@helpdesk.test", full_name="Olly Other")
    other.members.add(person)
    return person


@pytest.fixture
def team_lead(team):
    person = StaffFactory(email="lena@helpdesk.test", full_name="Lena Lead", group="Team leads")
    team.members.add(person)
    return person


# --- what a view may hold ---------------------------------------------------------------------------


def test_a_views_filters_are_stored_as_the_filter_form_reads_them_back():
    assert saved_query_clean("?tag=Billing Issue&view=unassigned&sort=due&status=") == (
        "view=unassigned&tag=billing-issue",
        "due",
    )
    assert saved_query_clean("view=all&sort=priority") == ("", "priority")


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("assignee=5", "Not a queue filter: assignee"),
        ("view=everything", "not a value the view filter takes"),
        ("status=deleted", "not a value the status filter takes"),
        ("organization=acme", "not a value the organization filter takes"),
        ("sort=random", "not a value the sort filter takes"),
        ("breaching=-5", "'Breaching within' takes minutes"),
        ("tag=<script>", "is not a tag"),
        ("tag=a&tag=b", "Give each filter once: tag"),
        ("q=" + "x" * 600, "at most 500 characters"),
    ],
)
def test_a_filter_the_form_would_not_take_is_refused_with_its_reason(tech, raw, words):
    with pytest.raises(TicketError, match=words):
        saved_view_create(owner=tech, name="Mine", query=raw)
    assert not SavedView.objects.exists()


def test_customers_save_no_views(customer):
    with pytest.raises(TicketError, match="Only staff"):
        saved_view_create(owner=customer, name="Mine", query="view=mine")


def test_a_person_keeps_at_most_twenty_views(tech):
    for i in range(20):
        saved_view_create(owner=tech, name=f"v{i}", query="")
    with pytest.raises(TicketError, match="20 saved views"):
        saved_view_create(owner=tech, name="one more", query="")


# --- who sees and who changes ---------------------------------------------------------------------


def test_a_technician_sees_their_own_views_then_their_teams_shared_ones(tech, tech2, team, outsider):
    mine = saved_view_create(owner=tech, name="Mine", query="view=mine")
    theirs_private = saved_view_create(owner=tech2, name="Sam's", query="")
    shared = saved_view_create(owner=tech2, name="Voice urgent", query="priority=urgent", team=team)
    saved_view_create(owner=outsider, name="Data", query="", team=Team.objects.get(name="Data"))
    assert list(saved_views_for(tech)) == [mine, shared]
    assert theirs_private not in saved_views_for(tech)
    assert list(saved_views_for(outsider)) == [SavedView.objects.get(name="Data")]


def test_a_view_is_shared_only_with_a_team_its_sharer_belongs_to(tech, team, outsider):
    data = Team.objects.get(name="Data")
    with pytest.raises(TicketError, match="team you belong to"):
        saved_view_create(owner=tech, name="Sneaky", query="", team=data)
    view = saved_view_create(owner=tech, name="Mine", query="")
    with pytest.raises(TicketError, match="team you belong to"):
        saved_view_change(view=view, by=tech, team=data)


def test_only_the_owner_a_lead_of_the_team_or_an_admin_edits_a_shared_view(
    tech, tech2, team, team_lead, outsider, lead, admin_user
):
    view = saved_view_create(owner=tech, name="Voice", query="", team=team)
    team.members.add(admin_user)
    assert may_edit_saved_view(tech, view)
    assert may_edit_saved_view(team_lead, view)  # a lead who belongs to the team
    assert may_edit_saved_view(admin_user, view)
    assert not may_edit_saved_view(tech2, view)  # a teammate sees it, but does not change it
    assert not may_edit_saved_view(lead, view)  # a lead of no team of the view's
    assert not may_edit_saved_view(outsider, view)
    with pytest.raises(TicketError, match="Only the view's owner"):
        saved_view_change(view=view, by=tech2, name="Hijacked")
    with pytest.raises(TicketError, match="Only the view's owner"):
        saved_view_delete(view=view, by=tech2)
    saved_view_change(view=view, by=team_lead, name="Voice, by the lead", team=None)
    view.refresh_from_db()
    assert (view.name, view.team_id) == ("Voice, by the lead", None)
    # Unshared, the lead no longer edits it: a private view is its owner's alone.
    assert not may_edit_saved_view(team_lead, view)


def test_views_move_up_and_down_among_their_owners_views(tech):
    a, b, c = (saved_view_create(owner=tech, name=n, query="") for n in "abc")
    saved_view_move(view=c, by=tech, up=True)
    assert [v.name for v in saved_views_for(tech)] == ["a", "c", "b"]
    saved_view_move(view=a, by=tech, up=True)  # already first: nothing moves
    saved_view_move(view=a, by=tech, up=False)
    assert [v.name for v in saved_views_for(tech)] == ["c", "a", "b"]


def test_nobody_but_the_owner_moves_a_view(tech, team, team_lead):
    view = saved_view_create(owner=tech, name="Voice", query="", team=team)
    with pytest.raises(TicketError, match="owner moves"):
        saved_view_move(view=view, by=team_lead, up=True)


# --- counts ------------------------------------------------------------------------------------------


def test_a_views_count_follows_its_filters_and_is_capped(tech, tech2, make_ticket, monkeypatch):
    t1 = make_ticket("billing one")
    t2 = make_ticket("billing two")
    make_ticket("other")
    ticket_tags_change(ticket=t1, add=["billing"], remove=[], by=tech, now=NOW)
    ticket_tags_change(ticket=t2, add=["billing"], remove=[], by=tech, now=NOW)
    ticket_assign(ticket=t2, agent=tech, by=tech, now=NOW)
    billing = saved_view_create(owner=tech, name="Billing", query="tag=billing")
    mine_billing = saved_view_create(owner=tech, name="My billing", query="view=mine&tag=billing")
    everything = saved_view_create(owner=tech, name="All", query="")
    counts = saved_view_counts([billing, mine_billing, everything], agent=tech, now=NOW)
    assert counts == {billing.pk: 2, mine_billing.pk: 1, everything.pk: 3}
    monkeypatch.setattr(desk_queue, "COUNT_CAP", 2)
    counts = saved_view_counts([everything], agent=tech, now=NOW)
    assert counts == {everything.pk: 3}  # cap + 1: "more than the cap"
    assert count_label(3) == "2+" and count_label(2) == "2"


def test_the_count_query_stops_at_the_cap(tech, make_ticket, django_assert_num_queries):
    make_ticket("one")
    view = saved_view_create(owner=tech, name="All", query="")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        saved_view_counts([view], agent=tech, now=NOW)
    (query,) = ctx.captured_queries
    assert "LIMIT 1001" in query["sql"] and query["sql"].upper().startswith("SELECT COUNT(*)")


def test_a_saved_tab_shows_its_count_and_opens_its_filters(client, tech, make_ticket, frozen):
    t = make_ticket("billing one")
    make_ticket("other")
    ticket_tags_change(ticket=t, add=["billing"], remove=[], by=tech, now=NOW)
    view = saved_view_create(owner=tech, name="Billing", query="tag=billing", sort="due")
    client.force_login(tech)
    html = client.get(reverse("desk:queue")).content.decode()
    assert f'data-saved-view="{view.pk}"' in html
    assert 'Billing <span class="count">1</span>' in html
    html = client.get(reverse("desk:queue"), {"saved": view.pk}).content.decode()
    assert "billing one" in html and "other" not in html.split("<tbody>")[1]
    assert 'aria-current="page" data-saved-view' in html
    assert 'id="f-sort"' in html and '<option value="due" selected>' in html


def test_another_persons_private_view_is_a_404_in_the_queue(client, tech, tech2, outsider, team):
    private = saved_view_create(owner=tech2, name="Sam's", query="")
    other_team = saved_view_create(
        owner=outsider, name="Data's", query="", team=Team.objects.get(name="Data")
    )
    client.force_login(tech)
    for pk in (private.pk, other_team.pk, other_team.pk + 100, "x"):
        assert client.get(reverse("desk:queue"), {"saved": pk}).status_code == 404
        assert client.get(reverse("desk:queue_rows"), {"saved": pk}).status_code == 404


# One query per saved view, on top of the queue page's own (the view list and the save form's teams).
def test_saved_tabs_cost_one_query_each_whatever_the_page_size(
    client, tech, make_ticket, frozen, django_assert_num_queries
):
    client.force_login(tech)
    make_ticket("one")
    with django_assert_num_queries(QUEUE_PAGE_QUERIES):
        client.get(reverse("desk:queue"))
    for i in range(3):
        saved_view_create(owner=tech, name=f"v{i}", query=["", "view=mine", "priority=urgent"][i])
    with django_assert_num_queries(QUEUE_PAGE_QUERIES + 3):
        client.get(reverse("desk:queue"))
    for i in range(30):
        make_ticket(f"more {i}", minutes_ago=i)
    with django_assert_num_queries(QUEUE_PAGE_QUERIES + 3):
        html = client.get(reverse("desk:queue")).content.decode()
    assert html.count("<tr data-ticket=") == 25
    assert 'v0 <span class="count">31</span>' in html


# --- the desk pages ---------------------------------------------------------------------------------


def test_saving_the_queues_filters_as_a_view_and_sharing_it(client, tech, team):
    client.force_login(tech)
    response = client.post(
        reverse("desk:saved_views"),
        {"name": "Urgent unassigned", "query": "view=unassigned&priority=urgent", "team": team.pk},
    )
    view = SavedView.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"?saved={view.pk}")
    assert (view.owner, view.team, view.query) == (tech, team, "view=unassigned&priority=urgent")


def test_a_bad_filter_string_is_a_form_error_not_a_500(client, tech):
    client.force_login(tech)
    response = client.post(reverse("desk:saved_views"), {"name": "Bad", "query": "status=gone&x=1"})
    assert response.status_code == 400
    assert "Not a queue filter: x" in response.content.decode()
    response = client.post(reverse("desk:saved_views"), {"name": " ", "query": "view=mine"})
    assert response.status_code == 400 and "Give the view a name" in response.content.decode()
    response = client.post(reverse("desk:saved_views"), {"name": "T", "query": "", "team": "999"})
    assert response.status_code == 400 and "one of your teams" in response.content.decode()
    assert not SavedView.objects.exists()


def test_a_teammate_cannot_rename_or_delete_a_shared_view_through_the_desk(client, tech, tech2, team):
    view = saved_view_create(owner=tech, name="Voice", query="", team=team)
    client.force_login(tech2)
    page = client.get(reverse("desk:saved_views")).content.decode()
    assert "Voice" in page and f'action="{reverse("desk:saved_view_delete", args=[view.pk])}"' not in page
    assert (
        client.post(reverse("desk:saved_view_edit", args=[view.pk]), {"name": "Mine now"}).status_code == 403
    )
    assert client.post(reverse("desk:saved_view_delete", args=[view.pk])).status_code == 403
    assert (
        client.post(reverse("desk:saved_view_move", args=[view.pk]), {"direction": "up"}).status_code == 400
    )
    view.refresh_from_db()
    assert view.name == "Voice"


def test_guessed_ids_of_views_one_does_not_see_are_404_everywhere(client, tech, tech2, outsider, customer):
    private = saved_view_create(owner=tech2, name="Sam's", query="")
    client.force_login(tech)
    for name, data in (
        ("desk:saved_view_edit", {"name": "x"}),
        ("desk:saved_view_delete", {}),
        ("desk:saved_view_move", {"direction": "up"}),
    ):
        for pk in (private.pk, private.pk + 1):
            assert client.post(reverse(name, args=[pk]), data).status_code == 404
    client.force_login(customer)
    assert client.post(reverse("desk:saved_view_delete", args=[private.pk])).status_code == 404
    assert SavedView.objects.filter(pk=private.pk, name="Sam's").exists()


def test_the_owner_reorders_renames_and_deletes_on_the_views_page(client, tech):
    a = saved_view_create(owner=tech, name="a", query="")
    b = saved_view_create(owner=tech, name="b", query="")
    client.force_login(tech)
    assert client.post(reverse("desk:saved_view_move", args=[b.pk]), {"direction": "up"}).status_code == 302
    assert [v.name for v in saved_views_for(tech)] == ["b", "a"]
    assert (
        client.post(reverse("desk:saved_view_move", args=[b.pk]), {"direction": "sideways"}).status_code
        == 400
    )
    client.post(reverse("desk:saved_view_edit", args=[a.pk]), {"name": "A renamed", "sort": "due"})
    a.refresh_from_db()
    assert (a.name, a.sort) == ("A renamed", "due")
    response = client.post(reverse("desk:saved_view_edit", args=[a.pk]), {"sort": "sideways"})
    assert response.status_code == 400
    client.post(reverse("desk:saved_view_delete", args=[a.pk]))
    assert list(saved_views_for(tech)) == [b]


def test_a_bulk_action_from_a_saved_tab_returns_to_that_tab(client, tech, tech2, make_ticket):
    t = make_ticket("one")
    view = saved_view_create(owner=tech, name="Unassigned", query="view=unassigned")
    theirs = saved_view_create(owner=tech2, name="Sam's", query="")
    client.force_login(tech)
    data = {"action": "assign", "assign.assignee": "me", "ids": [t.pk], "view": "unassigned"}
    response = client.post(reverse("desk:queue_bulk"), {**data, "saved": view.pk})
    assert response["Location"] == reverse("desk:queue") + f"?view=unassigned&saved={view.pk}"
    response = client.post(reverse("desk:queue_bulk"), {**data, "saved": theirs.pk})
    assert response["Location"] == reverse("desk:queue") + "?view=unassigned"


def test_the_next_page_of_a_saved_tab_stays_in_that_view(client, tech, make_ticket, frozen):
    for i in range(30):
        make_ticket(f"urgent {i}", "urgent", minutes_ago=i)
    make_ticket("a low one", "low")
    view = saved_view_create(owner=tech, name="Urgent", query="priority=urgent")
    client.force_login(tech)
    first = client.get(reverse("desk:queue"), {"saved": view.pk})
    next_qs = first.context["next_qs"]
    assert f"saved={view.pk}" in next_qs
    second = client.get(reverse("desk:queue") + "?" + next_qs).content.decode()
    assert second.count("<tr data-ticket=") == 5 and "a low one" not in second
    assert 'aria-current="page" data-saved-view' in second
