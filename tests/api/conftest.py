from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import NOW
from tests.factories import api_key
from tickets.services import attachment_add, ticket_create, ticket_resolve


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()  # throttle counters live in the cache
    yield
    cache.clear()


def token_client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


@pytest.fixture
def api():
    return token_client


@pytest.fixture
def ticket(customer, priorities):
    return ticket_create(
        requester=customer,
        subject="Numbers down",
        description="All lines dead",
        priority=priorities["urgent"],
        now=NOW,
    )


@pytest.fixture
def resolved_ticket(customer, tech, priorities):
    # Resolved an hour before the request (the API reads the real clock): within the reopen window.
    t = ticket_create(requester=customer, subject="Old problem", priority=priorities["normal"], now=NOW)
    return ticket_resolve(ticket=t, by=tech, now=timezone.now() - timedelta(hours=1))


@pytest.fixture
def colleague_ticket(colleague, priorities):
    return ticket_create(requester=colleague, subject="Same outage", priority=priorities["normal"], now=NOW)


@pytest.fixture
def attachment(ticket, customer):
    upload = SimpleUploadedFile("trace.log", b"line one\nline two\n", content_type="text/plain")
    return attachment_add(ticket=ticket, upload=upload, by=customer)
