"""Privacy requests in real Chromium: a customer downloads their data from the profile page; an admin
erases a customer from the admin's Users page, after confirming."""

import io
import json
import zipfile

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from privacy.models import PrivacyRequest
from tickets.models import Ticket
from tickets.services import message_add, ticket_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def filed(customer, priorities, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    customer.email_verified_at = timezone.now()
    customer.save()
    ticket = ticket_create(
        requester=customer, subject="Casey's fax is silent", priority=priorities["normal"], now=timezone.now()
    )
    message_add(ticket=ticket, author=customer, body="It has been silent since Monday.", now=timezone.now())
    return ticket


def test_a_customer_downloads_their_data_from_the_profile_page(page, login, shot, filed):
    login("casey@acme.test")
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Download my data").click()
    shot("my-data")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download my data").click()
    archive = zipfile.ZipFile(io.BytesIO(open(info.value.path(), "rb").read()))
    assert json.loads(archive.read("profile.json"))["account"]["email"] == "casey@acme.test"
    [ticket] = json.loads(archive.read("tickets.json"))
    assert ticket["subject"] == "Casey's fax is silent"
    assert "It has been silent since Monday." in [m["body"] for m in ticket["thread"]]
    assert PrivacyRequest.objects.get().channel == "portal"


def test_an_admin_erases_a_customer_after_confirming(page, login, shot, filed, customer, admin_user):
    login(admin_user.email)
    page.goto("/admin/accounts/user/?q=casey")
    page.locator(f"input[name='_selected_action'][value='{customer.pk}']").check()
    page.locator("select[name='action']").select_option("erase_personal_data")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    shot("confirm")
    page.get_by_label("Why").fill("DSR 2026-41")
    page.get_by_role("button", name="Yes, erase").click()
    expect(page.get_by_text("Erased 1 account.")).to_be_visible()
    filed.refresh_from_db()
    assert filed.subject == "[erased]" and filed.requester.display_name == "Erased person"
    page.goto(f"/admin/tickets/ticket/{filed.pk}/change/")
    expect(page.get_by_text("Casey")).to_have_count(0)
    assert PrivacyRequest.objects.get().note == "DSR 2026-41"
    assert Ticket.objects.get(pk=filed.pk).resolution_due_at == filed.resolution_due_at
