"""Auto-assignment: a team hands new tickets to a member on shift, round robin or least loaded, under a
cap, by the skill the request form needs; the sweep hands out what waited for someone to come on shift."""

from datetime import timedelta

import pytest

from accounts.models import Team
from notifications.models import Notification
from sla.models import EscalationContact, OnCallShift, SupportPlan
from tests.conftest import NOW
from tests.factories import StaffFactory, office_calendar
from tickets.jobs import auto_assign_sweep
from tickets.models import RequestType, Status, Ticket, TicketEvent
from tickets.services import ticket_change_status, ticket_create

pytestmark = pytest.mark.django_db

EVENING = NOW + timedelta(hours=5)  # Friday 20:30 in London: the office is closed
MONDAY = NOW + timedelta(days=2, hours=18)  # Monday 09:30


@pytest.fixture
def agents(db):
    return [StaffFactory(email=f"{n.lower()}@helpdesk.test", full_name=n) for n in ("Ann", "Ben", "Cat")]


@pytest.fixture
def voice(agents):
    team = Team.objects.create(name="Voice", auto_assign=Team.AutoAssign.ROUND_ROBIN, receives_unrouted=True)
    team.members.add(*agents)
    return team


def file(customer, priorities, subject="No dial tone", at=NOW, **kw):
    return ticket_create(
        requester=customer, subject=subject, priority=priorities["normal"], received_at=at, now=at, **kw
    )


def owners(tickets):
    return [
        Ticket.objects.get(pk=t.pk).assignee.full_name if Ticket.objects.get(pk=t.pk).assignee else None
        for t in tickets
    ]


def test_round_robin_hands_new_tickets_to_each_member_in_turn_and_says_why(customer, priorities, voice):
    tickets = [file(customer, priorities, f"Line {i}") for i in range(4)]
    assert owners(tickets) == ["Ann", "Ben", "Cat", "Ann"]
    first = Ticket.objects.get(pk=tickets[0].pk)
    assert first.team == voice and first.status == Status.OPEN
    event = first.events.get(kind=TicketEvent.Kind.ASSIGNEE)
    assert event.actor is None and event.reason == "auto-assigned: round robin in Voice"
    assert Notification.objects.filter(
        ticket=first, event="assigned_to_you", recipient="ann@helpdesk.test"
    ).exists()


def test_round_robin_skips_a_member_who_is_away_or_off_shift(customer, priorities, voice, agents):
    agents[1].available = False
    agents[1].save()
    assert owners([file(customer, priorities), file(customer, priorities)]) == ["Ann", "Cat"]
    voice.calendar = office_calendar()
    voice.save()
    contact = EscalationContact.objects.create(name="Ann", role="engineer", email="ANN@helpdesk.test")
    OnCallShift.objects.create(
        contact=contact, starts_at=EVENING - timedelta(hours=1), ends_at=EVENING + timedelta(hours=12)
    )
    # Out of hours only the member on the on-call rota is on shift, however the turn falls.
    assert owners([file(customer, priorities, at=EVENING), file(customer, priorities, at=EVENING)]) == [
        "Ann",
        "Ann",
    ]


def test_a_ticket_that_arrives_when_nobody_is_on_shift_is_handed_out_by_the_sweep_when_the_office_opens(
    customer, priorities, voice
):
    voice.calendar = office_calendar()
    voice.save()
    ticket = file(customer, priorities, at=EVENING)
    assert owners([ticket]) == [None]
    assert auto_assign_sweep(now=EVENING + timedelta(hours=2)) == 0  # still closed: nothing to do
    assert auto_assign_sweep(now=MONDAY) == 1
    assert owners([ticket]) == ["Ann"]
    assert auto_assign_sweep(now=MONDAY) == 0  # once


def test_least_loaded_picks_the_member_with_fewest_open_tickets_and_respects_the_cap(
    customer, priorities, voice, agents
):
    voice.auto_assign = Team.AutoAssign.LEAST_LOADED
    voice.max_open_per_agent = 1
    voice.save()
    made = [file(customer, priorities, f"Line {i}") for i in range(3)]
    assert sorted(owners(made)) == ["Ann", "Ben", "Cat"]
    over = file(customer, priorities, "One too many")
    assert owners([over]) == [None]  # everyone is at the cap
    bens = next(t for t in made if Ticket.objects.get(pk=t.pk).assignee == agents[1])
    ticket_change_status(ticket=bens, status=Status.RESOLVED, by=agents[1], now=NOW)
    assert auto_assign_sweep(now=NOW) == 1
    assert owners([over]) == ["Ben"]


def test_a_request_form_routes_to_the_team_with_its_skill(customer, priorities, voice):
    fax_expert = StaffFactory(email="fax@helpdesk.test", full_name="Fay Fax")
    fax = Team.objects.create(name="Fax", auto_assign=Team.AutoAssign.ROUND_ROBIN)
    fax.members.add(fax_expert)
    form = RequestType.objects.create(slug="fax", name="Fax problem", team=fax)
    form.priorities.set(priorities.values())
    ticket = file(customer, priorities, request_type=form)
    assert Ticket.objects.get(pk=ticket.pk).team == fax and owners([ticket]) == ["Fay Fax"]
    assert owners([file(customer, priorities)]) == ["Ann"]  # no form: the team that takes the rest


def test_a_team_that_does_not_auto_assign_leaves_tickets_for_people(customer, priorities, voice):
    voice.auto_assign = Team.AutoAssign.OFF
    voice.save()
    ticket = file(customer, priorities)
    assert Ticket.objects.get(pk=ticket.pk).team == voice and owners([ticket]) == [None]
    assert auto_assign_sweep(now=NOW) == 0


def test_on_a_plan_met_by_assignment_auto_assignment_is_the_first_response(customer, priorities, voice, plan):
    plan.first_response_met_by = SupportPlan.FirstResponse.ASSIGNMENT
    plan.save()
    ticket = Ticket.objects.get(pk=file(customer, priorities).pk)
    assert ticket.first_responded_at == NOW


# --- matching the customer's language ---------------------------------------------------------------


@pytest.fixture
def speakers(agents, voice):
    """Ann speaks English only, Ben English, Cat German and English; Voice matches languages."""
    for agent, spoken in zip(agents, (["en-gb"], ["en-gb"], ["de", "en-gb"]), strict=True):
        agent.languages = spoken
        agent.save(update_fields=["languages"])
    voice.match_language = True
    voice.save(update_fields=["match_language"])
    return voice


def test_a_german_customers_ticket_goes_to_the_german_speaker_skipping_the_english_one_whose_turn_it_was(
    customer, colleague, org, priorities, speakers
):
    org.default_language = "de"  # the customer chose nothing: locale_for says the organization's
    org.save()
    colleague.language = "en-gb"  # chose English in the profile, over the organization's German
    colleague.save()
    german = file(customer, priorities, "Kein Freizeichen")
    assert owners([german]) == ["Cat"]  # Ann's turn, but Ann speaks no German
    event = Ticket.objects.get(pk=german.pk).events.get(kind=TicketEvent.Kind.ASSIGNEE)
    assert event.reason == "auto-assigned: round robin in Voice, by language: de"
    # Round robin stays fair within each subset: English after Cat wraps round to Ann, then Ben.
    english = [file(colleague, priorities, f"Line {i}") for i in range(2)]
    assert owners(english) == ["Ann", "Ben"]
    assert (
        Ticket.objects.get(pk=english[0].pk).events.get(kind=TicketEvent.Kind.ASSIGNEE).reason
        == "auto-assigned: round robin in Voice, by language: en-gb"
    )
    assert owners([file(customer, priorities, "Noch eins")]) == ["Cat"]


def test_a_german_speaker_off_shift_is_skipped_for_one_on_shift(customer, priorities, speakers, agents):
    agents[1].languages = ["de"]  # Ben speaks German too, but is not on the on-call rota tonight
    agents[1].save(update_fields=["languages"])
    customer.language = "de"
    customer.save()
    speakers.calendar = office_calendar()
    speakers.last_assigned = agents[0]  # Ben's turn
    speakers.save()
    for name in ("Ann", "Cat"):
        contact = EscalationContact.objects.create(name=name, role="engineer", email=f"{name}@helpdesk.test")
        OnCallShift.objects.create(
            contact=contact, starts_at=EVENING - timedelta(hours=1), ends_at=EVENING + timedelta(hours=12)
        )
    assert owners([file(customer, priorities, at=EVENING)]) == ["Cat"]


def test_when_nobody_eligible_speaks_the_language_the_ticket_goes_to_everyone_on_shift_and_says_so(
    customer, priorities, speakers, agents
):
    customer.language = "fr"  # nobody in Voice speaks French
    customer.save()
    ticket = file(customer, priorities, "Pas de tonalité")
    assert owners([ticket]) == ["Ann"]  # plain round robin among all on shift
    event = Ticket.objects.get(pk=ticket.pk).events.get(kind=TicketEvent.Kind.ASSIGNEE)
    assert event.reason == (
        "auto-assigned: round robin in Voice; no speaker of fr was available, so among everyone on shift"
    )
    # A speaker who is at the team's cap is not eligible either: the same fallback, never a held ticket.
    customer.language = "de"
    customer.save()
    speakers.max_open_per_agent = 1
    speakers.save()
    cats = file(customer, priorities, "Kein Freizeichen")
    assert owners([cats]) == ["Cat"]
    later = file(customer, priorities, "Noch eins")
    assert owners([later]) == ["Ben"]
    assert "no speaker of de was available" in (
        Ticket.objects.get(pk=later.pk).events.get(kind=TicketEvent.Kind.ASSIGNEE).reason
    )


def test_with_matching_off_the_customers_language_is_ignored(customer, priorities, speakers):
    speakers.match_language = False
    speakers.save()
    customer.language = "de"
    customer.save()
    ticket = file(customer, priorities)
    assert owners([ticket]) == ["Ann"]
    assert (
        Ticket.objects.get(pk=ticket.pk).events.get(kind=TicketEvent.Kind.ASSIGNEE).reason
        == "auto-assigned: round robin in Voice"
    )


def test_least_loaded_runs_within_the_speakers_of_the_language(
    customer, colleague, priorities, speakers, agents
):
    speakers.auto_assign = Team.AutoAssign.LEAST_LOADED
    speakers.save()
    agents[0].languages = ["de", "en-gb"]
    agents[0].save(update_fields=["languages"])
    colleague.language = "en-gb"
    colleague.save()
    customer.language = "de"
    customer.save()
    assert owners([file(colleague, priorities)]) == ["Ann"]  # 0 open each: round-robin order
    ticket = file(
        customer, priorities
    )  # Ben is next with 0 but speaks no German: of Ann (1) and Cat (0), Cat
    assert owners([ticket]) == ["Cat"]
    assert Ticket.objects.get(pk=ticket.pk).events.get(kind=TicketEvent.Kind.ASSIGNEE).reason == (
        "auto-assigned: least loaded in Voice (0 open), by language: de"
    )


def test_matching_languages_costs_filing_at_most_one_query(customer, priorities, speakers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost(match: bool) -> int:
        speakers.match_language = match
        speakers.last_assigned = None
        speakers.save()
        with CaptureQueriesContext(connection) as ctx:
            file(customer, priorities)
        return len(ctx.captured_queries)

    cost(False)  # warm the per-process caches (calendars, presets)
    off = cost(False)
    assert cost(True) == off + 1  # the requester's organization, which locale_for reads
    customer.language = "de"  # a requester with a language of their own: the same
    customer.save()
    assert cost(True) == off + 1


def test_the_dry_run_and_the_sweep_pick_by_the_requesters_language_alike(
    client, lead, customer, priorities, speakers
):
    import time_machine
    from django.urls import reverse

    speakers.calendar = office_calendar()
    speakers.save()
    customer.language = "de"
    customer.save()
    ticket = file(customer, priorities, at=EVENING)  # nobody on shift: it waits
    assert owners([ticket]) == [None]
    client.force_login(lead)
    url = reverse("automation:rules_dry_run", args=[ticket.pk])
    with time_machine.travel(EVENING, tick=False):
        html = client.get(url).content.decode()
    assert "Would assign to nobody now: nobody in Voice is on shift." in html
    with time_machine.travel(MONDAY, tick=False):
        html = client.get(url).content.decode()
    assert "Would assign to <strong>Cat</strong> (round robin in Voice, by language: de)." in html
    assert owners([ticket]) == [None]  # a dry run changes nothing
    assert auto_assign_sweep(now=MONDAY) == 1  # the sweep asks the same rule
    assert owners([ticket]) == ["Cat"]
