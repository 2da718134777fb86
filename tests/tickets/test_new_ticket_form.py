"""The new-ticket form marks what is required before the person submits, not only after."""

import re

import pytest
from django.urls import reverse

from tests.conftest import NOW

pytestmark = pytest.mark.django_db


def test_required_fields_are_marked_and_optional_ones_are_not(client, customer, priorities):
    customer.email_verified_at = NOW
    customer.save()
    client.force_login(customer)
    page = client.get(reverse("portal:ticket_new")).content.decode()
    labels = {name: rest for name, rest in re.findall(r'<label for="id_([a-z_]+)"([^>]*)>', page)}
    assert "required" in labels.get("subject", "") and "required" in labels.get("rf_details", "")
    assert "required" not in labels.get("rf_numbers_dialed", "")  # optional in the default form
    assert '<legend class="required">How urgent is it?</legend>' in page
    assert "are required." in page
