"""Collision detection: two technicians on one ticket see each other, and nobody answers over a reply
they have not read."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.conftest import NOW
from tickets.services import message_add

pytestmark = pytest.mark.django_db


def presence(client, ticket, typing=False):
    return client.post(reverse("desk:ticket_presence", args=[ticket.pk]), {"typing": "1" if typing else "0"})


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_two_agents_on_one_ticket_see_each_other_and_who_is_typing(tech, tech2, make_ticket):
    ticket = make_ticket()
    taylor, sam = signed_in(tech), signed_in(tech2)
    with time_machine.travel(NOW, tick=False):
        assert presence(taylor, ticket).json()["others"] == []
        assert presence(sam, ticket, typing=True).json()["others"] == [
            {"name": tech.display_name, "typing": False}
        ]
        assert presence(taylor, ticket).json()["others"] == [{"name": tech2.display_name, "typing": True}]
    with time_machine.travel(NOW + timedelta(seconds=45), tick=False):  # Sam closed the tab
        assert presence(taylor, ticket).json()["others"] == []


def test_the_presence_poll_reports_the_newest_message(tech, customer, make_ticket, frozen):
    ticket = make_ticket()
    before = presence(signed_in(tech), ticket).json()["last_message"]
    newer = message_add(ticket=ticket, author=customer, body="Still down", now=NOW)
    after = presence(signed_in(tech), ticket).json()["last_message"]
    assert after == newer.pk > before


def test_customers_and_strangers_cannot_watch_the_desk(customer, tech, make_ticket, frozen):
    ticket = make_ticket()
    assert presence(signed_in(customer), ticket).status_code == 404
    assert presence(Client(), ticket).status_code == 302  # to sign-in
    assert presence(signed_in(tech), ticket).status_code == 200
    missing = type(ticket)(pk=ticket.pk + 999)
    assert presence(signed_in(tech), missing).status_code == 404


def test_a_reply_over_a_newer_customer_message_is_stopped_once_and_the_draft_is_kept(
    tech, customer, make_ticket, frozen
):
    ticket = make_ticket()
    taylor = signed_in(tech)
    page = taylor.get(reverse("desk:ticket_detail", args=[ticket.pk]))
    seen = page.context["reply_form"].initial["seen_message"]
    message_add(ticket=ticket, author=customer, body="Actually it works now", now=NOW)
    url = reverse("desk:ticket_reply", args=[ticket.pk])
    draft = {"body": "Please restart the router", "kind": "public", "seen_message": seen}
    stopped = taylor.post(url, draft)
    assert stopped.status_code == 409
    html = stopped.content.decode()
    assert "Please restart the router" in html and 'data-testid="newer-message"' in html
    assert not ticket.messages.filter(from_staff=True).exists()
    resend = {**draft, "seen_message": stopped.context["reply_form"]["seen_message"].value()}
    assert taylor.post(url, resend).status_code == 302  # read it, sent it
    assert ticket.messages.filter(from_staff=True).count() == 1


def test_my_own_earlier_reply_does_not_stop_my_next_one(tech, make_ticket, frozen):
    ticket = make_ticket()
    taylor = signed_in(tech)
    seen = (
        taylor.get(reverse("desk:ticket_detail", args=[ticket.pk]))
        .context["reply_form"]
        .initial["seen_message"]
    )
    url = reverse("desk:ticket_reply", args=[ticket.pk])
    assert taylor.post(url, {"body": "First", "kind": "public", "seen_message": seen}).status_code == 302
    assert taylor.post(url, {"body": "Second", "kind": "internal", "seen_message": seen}).status_code == 302
