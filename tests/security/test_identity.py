"""Identity is verified before anything is shown (issue 13).

Anyone who knows an organization's customer number can sign up with an address on its mail domain.
Until that address is proved (the verification link, or an invitation, a password reset or a sign-in
link), the account sees nothing of the organization, in the portal or the API, holds no API token and
files nothing itself. Staff may still file for such a customer (a phone call).
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.identity import UNVERIFIED_DETAIL
from accounts.models import ApiToken
from tests.conftest import NOW
from tests.factories import api_key
from tickets.models import Channel, Ticket
from tickets.services import TicketError, attachments_save, ticket_create

pytestmark = pytest.mark.django_db


def _link(mail) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", mail.body).group(1)


@pytest.fixture
def acme_ticket(customer, priorities, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    ticket = ticket_create(
        requester=customer, subject="Acme switchboard down", priority=priorities["urgent"], now=NOW
    )
    upload = SimpleUploadedFile("config.txt", b"secret trunk password\n")
    attachments_save(
        ticket=ticket, message=ticket.messages.first(), uploads=[(upload, "text/plain")], by=customer
    )
    return ticket


def test_an_unverified_sign_up_sees_no_ticket_of_its_organization_in_the_portal(
    client, unverified, acme_ticket
):
    client.force_login(unverified)
    pages = [
        reverse("portal:ticket_list"),
        reverse("portal:ticket_detail", args=[acme_ticket.pk]),
        reverse("portal:ticket_thread", args=[acme_ticket.pk]),
        reverse("portal:attachment_download", args=[acme_ticket.pk, acme_ticket.attachments.get().pk]),
    ]
    for url in pages:
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200, url  # the page to read; writes are a 403
        assert "Verify your email address" in body and "Send a new link" in body
        assert "Acme switchboard down" not in body and "secret trunk" not in body
    assert Ticket.objects.visible_to(unverified).count() == 0
    messages = acme_ticket.messages.count()
    reply = client.post(reverse("portal:ticket_detail", args=[acme_ticket.pk]), {"body": "me too"})
    assert reply.status_code == 403 and acme_ticket.messages.count() == messages


def test_following_the_verification_link_opens_the_organizations_tickets(
    client, unverified, acme_ticket, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(unverified)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:verify_resend"))
    link = _link(mailoutbox[-1])
    client.get(link)
    page = client.get(reverse("portal:ticket_detail", args=[acme_ticket.pk]))
    assert page.status_code == 200 and "Acme switchboard down" in page.content.decode()


def test_an_unverified_account_gets_a_clear_403_from_the_api(unverified, acme_ticket):
    client = APIClient()
    client.force_authenticate(unverified)  # as with a session cookie or a token issued before
    for url in (
        "/api/tickets/",
        f"/api/tickets/{acme_ticket.pk}/",
        f"/api/tickets/{acme_ticket.pk}/messages/",
        f"/api/tickets/{acme_ticket.pk}/attachments/",
        f"/api/tickets/{acme_ticket.pk}/events/",
        "/api/priorities/",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json() == {"detail": UNVERIFIED_DETAIL}
    filed = client.post("/api/tickets/", {"subject": "Everything down", "priority": "urgent"}, format="json")
    assert filed.status_code == 403 and Ticket.objects.count() == 1


def test_an_unverified_account_gets_no_api_token(unverified):
    response = APIClient().post(
        "/api/auth/token/", {"email": "uma@acme.test", "password": "pw"}, format="json"
    )
    assert response.status_code == 403
    assert "Verify your email address" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_a_token_whose_owner_is_unverified_later_is_refused(customer, acme_ticket):
    api = APIClient(HTTP_AUTHORIZATION=f"Token {api_key(customer)}")
    assert api.get("/api/tickets/").status_code == 200
    customer.email_verified_at = None  # e.g. an admin found the address was never the owner's
    customer.save()
    assert api.get(f"/api/tickets/{acme_ticket.pk}/").status_code == 403


def test_the_filing_service_refuses_an_unverified_customer_filing_for_themselves(unverified, priorities):
    for by in (None, unverified):
        with pytest.raises(TicketError, match="Verify your email address"):
            ticket_create(requester=unverified, subject="x", priority=priorities["urgent"], by=by, now=NOW)
    assert not Ticket.objects.exists()


def test_staff_may_file_for_an_unverified_customer_and_email_intake_still_files(unverified, tech, priorities):
    by_phone = ticket_create(
        requester=unverified,
        subject="Called in",
        priority=priorities["high"],
        channel=Channel.PHONE,
        by=tech,
        now=NOW,
    )
    by_mail = ticket_create(requester=unverified, subject="Mailed in", channel=Channel.EMAIL, now=NOW)
    assert {by_phone.requester, by_mail.requester} == {unverified}
    # ... but the unverified account still sees neither until the address is proved.
    assert Ticket.objects.visible_to(unverified).count() == 0


def test_a_password_reset_through_the_mailed_link_proves_the_address(
    client, unverified, mailoutbox, django_capture_on_commit_callbacks
):
    client.post(reverse("accounts:password_reset"), {"email": "uma@acme.test"})
    link = _link(mailoutbox[-1])
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    done = client.post(
        form_url, {"new_password1": "tangerine-orbit-42", "new_password2": "tangerine-orbit-42"}
    )
    assert done.status_code == 302
    unverified.refresh_from_db()
    assert unverified.is_verified
