"""One vocabulary for a request's fields: the voice-platform template read from mail fills the same names
as the portal's default form, and the desk shows them with the form's labels."""

import pytest
from django.urls import reverse

from tests.notifications.mailkit import raw_mail
from tickets.intake.service import email_ingest
from tickets.intake.text import TEMPLATE_FIELD_NAMES
from tickets.models import RequestType

pytestmark = pytest.mark.django_db

BODY = """Product: Fuse
Phone number(s) dialed: +1 212 555 0100
Phone number(s) that initiated the call: +44 161 496 0000
Start date of issue: 2026-03-01
Is the issue intermittent or consistent? Intermittent
How often is the issue occurring? About every third call
Details: Calls drop after ten seconds.
"""


def test_every_template_label_fills_a_field_of_the_default_form():
    default = RequestType.objects.get(slug="report-a-problem")
    assert set(TEMPLATE_FIELD_NAMES) <= {spec["name"] for spec in default.fields}


def test_a_mailed_template_is_shown_on_the_desk_with_the_forms_labels(
    client, customer, tech, priorities, now
):
    ticket = email_ingest(raw=raw_mail(body=BODY, message_id="<v@x>"), now=now, source="test").ticket
    assert ticket.request_fields["numbers_calling"] == "+44 161 496 0000"
    assert ticket.request_fields["pattern"] == "Intermittent" and ticket.request_fields["frequency"]
    client.force_login(tech)
    page = client.get(reverse("desk:ticket_detail", args=[ticket.pk])).content.decode()
    assert "<dt>Is the issue intermittent or consistent?</dt><dd>Intermittent</dd>" in page
    assert "<dt>Phone number(s) that initiated the call</dt>" in page
