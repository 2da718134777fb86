"""No customer reaches another organization's ticket, thread or file by any portal URL."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import NOW
from tests.factories import CustomerFactory
from tickets.models import Message, Status, Ticket
from tickets.services import attachments_save, message_add, ticket_create

pytestmark = pytest.mark.django_db

TICKET_URLS = [
    ("get", "portal:ticket_detail", {}),
    ("post", "portal:ticket_detail", {"body": "sneaky reply"}),
    ("get", "portal:ticket_thread", {}),
    ("post", "portal:ticket_confirm", {}),
    ("post", "portal:ticket_close", {"reason": "sneaky"}),
    ("post", "portal:ticket_reopen", {}),
    ("post", "portal:ticket_escalate", {"reason": "sneaky"}),
    ("get", "portal:ticket_edit", {}),
    ("post", "portal:ticket_edit", {"subject": "sneaky"}),
]


def _upload(ticket, message, name="log.txt", body=b"line 1\n"):
    return attachments_save(
        ticket=ticket,
        message=message,
        uploads=[(SimpleUploadedFile(name, body), "text/plain")],
        by=message.author,
    )[0]


@pytest.fixture
def setup(customer, stranger, tech, priorities, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    first = ticket_create(requester=customer, subject="Acme first", priority=priorities["normal"], now=NOW)
    theirs = ticket_create(requester=stranger, subject="Globex own", priority=priorities["normal"], now=NOW)
    second = ticket_create(requester=customer, subject="Acme second", priority=priorities["normal"], now=NOW)
    file = _upload(first, first.messages.first())
    own_file = _upload(theirs, theirs.messages.first())
    return {"first": first, "theirs": theirs, "second": second, "file": file, "own_file": own_file}


@pytest.mark.parametrize("method,name,data", TICKET_URLS)
def test_a_customer_of_another_organization_gets_404_on_every_ticket_url(
    client, stranger, setup, method, name, data
):
    client.force_login(stranger)
    for ticket in (setup["first"], setup["second"]):  # the ids just before and after the stranger's own
        assert abs(ticket.pk - setup["theirs"].pk) == 1
        response = getattr(client, method)(reverse(name, args=[ticket.pk]), data)
        assert response.status_code == 404, (name, method, ticket.pk)
        ticket.refresh_from_db()
        assert (
            ticket.status == Status.NEW and ticket.escalated_at is None and ticket.subject.startswith("Acme")
        )
    assert not Message.objects.filter(body="sneaky reply").exists()


def test_attachment_downloads_are_scoped_to_the_ticket_and_its_organization(client, stranger, setup):
    client.force_login(stranger)
    first, theirs, file = setup["first"], setup["theirs"], setup["file"]
    assert client.get(reverse("portal:attachment_download", args=[first.pk, file.pk])).status_code == 404
    # Pairing the stranger's own ticket with another ticket's attachment id does not help either.
    assert client.get(reverse("portal:attachment_download", args=[theirs.pk, file.pk])).status_code == 404
    for neighbour in (setup["own_file"].pk - 1, setup["own_file"].pk + 1):
        assert (
            client.get(reverse("portal:attachment_download", args=[theirs.pk, neighbour])).status_code == 404
        )
    response = client.get(reverse("portal:attachment_download", args=[theirs.pk, setup["own_file"].pk]))
    assert response.status_code == 200


def test_a_missing_ticket_and_a_forbidden_ticket_look_the_same(client, stranger, setup):
    client.force_login(stranger)
    missing = client.get(reverse("portal:ticket_detail", args=[setup["second"].pk + 1000]))
    forbidden = client.get(reverse("portal:ticket_detail", args=[setup["first"].pk]))
    assert missing.status_code == forbidden.status_code == 404


def test_another_organizations_tickets_never_appear_in_the_list_or_search(client, stranger, setup):
    client.force_login(stranger)
    for params in (
        {},
        {"scope": "org"},
        {"q": "Acme"},
        {"q": f"HD-{setup['first'].pk}"},
        {"q": str(setup["first"].pk)},
    ):
        body = client.get(reverse("portal:ticket_list"), params).content.decode()
        assert "Acme first" not in body and "Acme second" not in body


def test_a_colleague_sees_shared_tickets_and_their_files(client, colleague, setup):
    client.force_login(colleague)
    first, file = setup["first"], setup["file"]
    assert client.get(reverse("portal:ticket_detail", args=[first.pk])).status_code == 200
    assert client.get(reverse("portal:attachment_download", args=[first.pk, file.pk])).status_code == 200
    body = client.get(reverse("portal:ticket_list"), {"scope": "org"}).content.decode()
    assert "Acme first" in body and "Acme second" in body
    mine = client.get(reverse("portal:ticket_list")).content.decode()
    assert "Acme first" not in mine  # "Mine" shows only the colleague's own tickets


def test_a_colleague_gets_404_when_the_organization_does_not_share(client, colleague, setup, org):
    org.shares_tickets = False
    org.save()
    client.force_login(colleague)
    assert client.get(reverse("portal:ticket_detail", args=[setup["first"].pk])).status_code == 404
    assert (
        client.get(
            reverse("portal:attachment_download", args=[setup["first"].pk, setup["file"].pk])
        ).status_code
        == 404
    )
    assert "Acme first" not in client.get(reverse("portal:ticket_list"), {"scope": "org"}).content.decode()


def test_a_copied_customer_of_the_organization_sees_the_ticket_even_without_sharing(client, org, setup):
    org.shares_tickets = False
    org.save()
    copied = CustomerFactory(organization=org, email="cc@acme.test")
    setup["first"].cc.add(copied)
    client.force_login(copied)
    assert client.get(reverse("portal:ticket_detail", args=[setup["first"].pk])).status_code == 200


@pytest.mark.parametrize("method,name,data", TICKET_URLS + [("get", "portal:attachment_download", None)])
def test_anonymous_visitors_are_sent_to_sign_in(client, setup, method, name, data):
    args = [setup["first"].pk] + ([setup["file"].pk] if name == "portal:attachment_download" else [])
    response = getattr(client, method)(reverse(name, args=args), data or {})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "name", ["portal:ticket_list", "portal:ticket_new", "accounts:profile", "accounts:invitations"]
)
def test_anonymous_visitors_are_sent_to_sign_in_from_every_page(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_internal_notes_and_their_files_are_never_shown_to_customers(client, customer, tech, setup):
    ticket = setup["first"]
    note = message_add(
        ticket=ticket,
        author=tech,
        body="Internal: customer is on the old trunk",
        now=NOW,
        kind=Message.Kind.INTERNAL,
    )
    note_file = _upload(ticket, note, name="internal.txt")
    client.force_login(customer)
    for url in (
        reverse("portal:ticket_detail", args=[ticket.pk]),
        reverse("portal:ticket_thread", args=[ticket.pk]),
    ):
        body = client.get(url).content.decode()
        assert "old trunk" not in body and "internal.txt" not in body
    assert (
        client.get(reverse("portal:attachment_download", args=[ticket.pk, note_file.pk])).status_code == 404
    )
    client.force_login(tech)
    assert (
        client.get(reverse("portal:attachment_download", args=[ticket.pk, note_file.pk])).status_code == 200
    )


def test_every_portal_form_is_protected_against_csrf(customer, setup):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    ticket = setup["first"]
    for name, data in (
        ("portal:ticket_detail", {"body": "x"}),
        ("portal:ticket_confirm", {}),
        ("portal:ticket_close", {"reason": "x"}),
        ("portal:ticket_escalate", {}),
    ):
        assert client.post(reverse(name, args=[ticket.pk]), data).status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW
