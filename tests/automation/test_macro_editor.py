"""The desk's macro editor: who manages which macro (one rule for the desk, the admin and the service),
the admin's validation reused, and the preview."""

import pytest
from django.urls import reverse

from accounts.models import Team
from automation.models import Macro
from automation.permissions import may_manage_macro
from automation.services import macro_delete, macro_save
from tests.factories import StaffFactory
from tickets.policy import TicketError

pytestmark = pytest.mark.django_db


@pytest.fixture
def voice(tech):
    team = Team.objects.create(name="Voice")
    team.members.add(tech)
    return team


@pytest.fixture
def data_team(db):
    return Team.objects.create(name="Data")


@pytest.fixture
def voice_lead(voice):
    person = StaffFactory(email="vera@helpdesk.test", full_name="Vera Voice", group="Team leads")
    voice.members.add(person)
    return person


@pytest.fixture
def macros(tech, tech2, voice, data_team):
    return {
        "mine": Macro.objects.create(name="Mine", scope="personal", owner=tech, reply="internal", body="x"),
        "theirs": Macro.objects.create(
            name="Sam's", scope="personal", owner=tech2, reply="internal", body="x"
        ),
        "voice": Macro.objects.create(name="Voice", scope="team", team=voice, reply="internal", body="x"),
        "data": Macro.objects.create(name="Data", scope="team", team=data_team, reply="internal", body="x"),
        "global": Macro.objects.create(name="Global", scope="global", reply="internal", body="x"),
    }


def manageable(user, macros):
    return {name for name, m in macros.items() if may_manage_macro(user, m)}


def test_a_technician_manages_only_their_personal_macros_a_lead_their_teams_an_admin_all(
    tech, voice_lead, admin_user, customer, macros
):
    assert manageable(tech, macros) == {"mine"}
    assert manageable(voice_lead, macros) == {"voice"}
    assert manageable(admin_user, macros) == set(macros)
    assert manageable(customer, macros) == set()


def test_the_desk_lists_and_opens_only_the_macros_one_manages(client, tech, voice_lead, admin_user, macros):
    for user, names in (
        (tech, {"Mine"}),
        (voice_lead, {"Voice"}),
        (admin_user, {m.name for m in macros.values()}),
    ):
        client.force_login(user)
        html = client.get(reverse("automation:macro_list")).content.decode()
        assert {m.name for m in macros.values() if f'data-macro="{m.pk}"' in html} == names
        for m in macros.values():
            status = client.get(reverse("automation:macro_edit", args=[m.pk])).status_code
            assert status == (200 if m.name in names else 404), (user, m.name)


def test_a_technician_cannot_edit_or_delete_anyone_elses_macro_by_guessing_ids(client, tech, macros):
    client.force_login(tech)
    for name in ("theirs", "voice", "global"):
        m = macros[name]
        assert (
            client.post(reverse("automation:macro_edit", args=[m.pk]), {"name": "taken"}).status_code == 404
        )
        assert client.post(reverse("automation:macro_delete", args=[m.pk])).status_code == 404
        m.refresh_from_db()
        assert m.name != "taken"
    assert client.post(reverse("automation:macro_delete", args=[10**9])).status_code == 404
    assert Macro.objects.count() == 5


def _form(**over):
    data = {
        "name": "Ask for logs",
        "scope": "personal",
        "reply": "public",
        "body": "Hello {{ requester }}",
        "active": "on",
    }
    data.update(over)
    return data


def test_a_technician_makes_a_personal_macro_but_not_a_team_or_global_one(client, tech, voice):
    client.force_login(tech)
    response = client.post(reverse("automation:macro_new"), _form())
    assert response.status_code == 302
    made = Macro.objects.get()
    assert (made.scope, made.owner, made.team) == ("personal", tech, None)
    for scope, extra in (("global", {}), ("team", {"team": voice.pk})):
        response = client.post(
            reverse("automation:macro_new"), _form(name=f"x {scope}", scope=scope, **extra)
        )
        assert response.status_code == 400
    assert Macro.objects.count() == 1


def test_a_lead_makes_their_teams_macro_but_not_another_teams_or_a_global_one(
    client, voice_lead, voice, data_team
):
    client.force_login(voice_lead)
    assert client.post(reverse("automation:macro_new"), _form(scope="team", team=voice.pk)).status_code == 302
    assert Macro.objects.get().team == voice
    response = client.post(reverse("automation:macro_new"), _form(name="b", scope="team", team=data_team.pk))
    assert response.status_code == 400 and "team" in response.context["form"].errors
    response = client.post(reverse("automation:macro_new"), _form(name="c", scope="global"))
    assert response.status_code == 400
    assert Macro.objects.count() == 1


def test_a_lead_cannot_move_their_teams_macro_to_global(client, voice_lead, macros):
    client.force_login(voice_lead)
    m = macros["voice"]
    response = client.post(reverse("automation:macro_edit", args=[m.pk]), _form(name="Voice", scope="global"))
    assert response.status_code == 400
    assert "You may not make or change this macro" in response.content.decode()
    m.refresh_from_db()
    assert m.scope == "team"


def test_an_admin_makes_global_macros(client, admin_user):
    client.force_login(admin_user)
    assert client.post(reverse("automation:macro_new"), _form(scope="global")).status_code == 302
    assert Macro.objects.get().scope == "global"


def test_the_editor_checks_what_the_admin_checks(client, tech, priorities):
    client.force_login(tech)
    cases = [
        (_form(add_tags="<bad>"), "add_tags"),
        (_form(set_priority=priorities["urgent"].pk), "priority_reason"),
        (_form(body=" "), "body"),
        (_form(name=""), "name"),
        (_form(scope="team"), "team"),  # a technician is offered no team: still an error, not a 500
    ]
    for data, field in cases:
        response = client.post(reverse("automation:macro_new"), data)
        assert response.status_code == 400, data
        assert field in response.context["form"].errors or response.context["form"].non_field_errors(), data
    assert not Macro.objects.exists()


def test_the_admin_asks_the_same_rule(client, voice_lead, macros, voice):
    client.force_login(voice_lead)
    listing = client.get("/admin/automation/macro/").content.decode()
    assert "Voice" in listing and "Global" not in listing and "Sam&#x27;s" not in listing
    assert client.get(f"/admin/automation/macro/{macros['global'].pk}/change/").status_code in (302, 403, 404)
    response = client.post(
        "/admin/automation/macro/add/",
        {"name": "Sneaky", "scope": "global", "reply": "", "body": "", "priority_reason": "", "active": "on"},
    )
    assert response.status_code == 200 and not Macro.objects.filter(name="Sneaky").exists()
    assert "You may not make or change this macro" in response.content.decode()


def test_the_service_holds_the_rule_whoever_calls_it(tech, voice_lead, macros):
    with pytest.raises(TicketError):
        macro_delete(macro=macros["global"], by=tech)
    m = macros["voice"]
    m.scope = "global"
    with pytest.raises(TicketError):
        macro_save(macro=m, by=voice_lead)
    theirs = macros["theirs"]
    theirs.owner = tech  # taking someone's macro over: refused as it was
    with pytest.raises(TicketError):
        macro_save(macro=theirs, by=tech)
    assert Macro.objects.get(pk=theirs.pk).owner_id != tech.pk


def test_the_editor_previews_on_a_ticket_without_saving(client, tech, make_ticket):
    ticket = make_ticket("Phones down")
    client.force_login(tech)
    response = client.post(
        reverse("automation:macro_new"),
        {**_form(add_tags="logs", set_status="waiting"), "preview": "1", "preview_ticket": ticket.reference},
    )
    assert response.status_code == 200
    lines = response.context["preview"]
    assert "Public reply: Hello Casey Customer" in lines[0]
    assert "Add tags: logs" in lines and "Status: Waiting on customer" in lines
    assert not Macro.objects.exists()
    response = client.post(
        reverse("automation:macro_new"), {**_form(), "preview": "1", "preview_ticket": "HD-999999"}
    )
    assert response.status_code == 400 and "No ticket HD-999999" in response.content.decode()


def test_a_customer_never_reaches_the_editor(client, customer, macros):
    client.force_login(customer)
    assert client.get(reverse("automation:macro_list")).status_code == 404
    assert client.post(reverse("automation:macro_new"), _form()).status_code == 404
    assert client.post(reverse("automation:macro_delete", args=[macros["global"].pk])).status_code == 404
