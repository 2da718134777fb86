"""Long text is never cut silently: the form says the limit (no maxlength for the browser to truncate a
paste at), and the server refuses an over-long text with the numbers, keeping what was typed."""

import pytest
import time_machine
from django.urls import reverse

from tests.conftest import NOW
from tests.factories import portal_filing
from tickets.models import Ticket
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def casey(client, customer):
    customer.email_verified_at = NOW
    customer.save()
    client.force_login(customer)
    with time_machine.travel(NOW, tick=False):
        yield customer


def test_the_details_field_states_its_limit_and_has_no_truncating_maxlength(client, casey, priorities):
    page = client.get(reverse("portal:ticket_new")).content.decode()
    area = page.split('name="rf_details"')[1].split(">")[0]
    assert 'data-maxlength="20000"' in area and "maxlength=" not in area.replace("data-maxlength", "")
    assert "Up to 20,000 characters." in page


def test_an_over_long_details_text_is_refused_with_the_numbers_and_kept(client, casey, priorities):
    pasted = "x" * 200_000
    response = client.post(
        reverse("portal:ticket_new"), portal_filing(priorities["normal"], rf_details=pasted)
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "This is 200000 characters; the limit is 20000." in page
    assert pasted in page  # nothing lost: the person can shorten it
    assert not Ticket.objects.exists()


def test_an_over_long_reply_is_refused_and_a_text_at_the_limit_is_accepted(client, casey, priorities):
    ticket = ticket_create(requester=casey, subject="Fax down", now=NOW)
    url = reverse("portal:ticket_detail", args=[ticket.pk])
    too_long = client.post(url, {"body": "y" * 20_001})
    assert too_long.status_code == 400 and "the limit is 20000" in too_long.content.decode()
    assert client.post(url, {"body": "y" * 20_000}).status_code == 302
