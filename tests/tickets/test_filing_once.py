"""Filing is idempotent per attempt: the same new-ticket form submitted twice (Back, then Submit) or the
same API ``Idempotency-Key`` sent twice files one ticket, one mail, one SLA clock; and says so."""

import re
import threading

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from notifications.models import Notification
from tests.api.conftest import token_client
from tests.conftest import NOW
from tests.factories import portal_filing
from tickets.models import FilingKey, Ticket
from tickets.services import FilingKeyReused, ticket_file_once

pytestmark = pytest.mark.django_db


@pytest.fixture
def casey(client, customer, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    customer.email_verified_at = NOW
    customer.save()
    client.force_login(customer)
    with time_machine.travel(NOW, tick=False):
        yield customer


def _token(html: str) -> str:
    return re.search(r'name="filing_token" value="([0-9a-f]+)"', html).group(1)


def _received_mails():
    return list(Notification.objects.filter(event="ticket_received"))


def test_the_same_portal_form_submitted_twice_files_one_ticket_and_says_so(client, casey, priorities):
    token = _token(client.get(reverse("portal:ticket_new")).content.decode())
    data = portal_filing(priorities["normal"], filing_token=token)
    first = client.post(reverse("portal:ticket_new"), data)
    ticket = Ticket.objects.get()
    assert first.status_code == 302 and first.url.endswith(f"/tickets/{ticket.pk}/?received=1")

    again = client.post(reverse("portal:ticket_new"), data, follow=True)
    assert Ticket.objects.count() == 1
    assert len(_received_mails()) == 1
    page = again.content.decode()
    assert again.redirect_chain[-1][0] == f"/tickets/{ticket.pk}/"
    assert f"This form was already filed as {ticket.reference}" in page


def test_each_fresh_portal_form_files_its_own_ticket(client, casey, priorities):
    for _ in range(2):
        token = _token(client.get(reverse("portal:ticket_new")).content.decode())
        client.post(reverse("portal:ticket_new"), portal_filing(priorities["normal"], filing_token=token))
    assert Ticket.objects.count() == 2


def test_a_refused_filing_leaves_the_token_usable_for_the_corrected_form(client, casey, priorities):
    token = _token(client.get(reverse("portal:ticket_new")).content.decode())
    wrong = client.post(
        reverse("portal:ticket_new"), portal_filing(priorities["normal"], filing_token=token, rf_details="")
    )
    assert wrong.status_code == 400 and _token(wrong.content.decode()) == token  # the same form, corrected
    client.post(reverse("portal:ticket_new"), portal_filing(priorities["normal"], filing_token=token))
    assert Ticket.objects.count() == 1


def test_another_customer_reusing_a_token_files_their_own_ticket(client, casey, colleague, priorities):
    data = portal_filing(priorities["normal"], filing_token="a" * 32)
    client.post(reverse("portal:ticket_new"), data)
    colleague.email_verified_at = NOW
    colleague.save()
    client.force_login(colleague)
    client.post(reverse("portal:ticket_new"), data)
    assert sorted(Ticket.objects.values_list("requester__email", flat=True)) == [casey.email, colleague.email]


def test_the_desk_log_form_submitted_twice_logs_one_ticket(client, tech, customer, org, priorities):
    client.force_login(tech)
    token = _token(client.get(reverse("desk:ticket_new")).content.decode())
    data = {
        "organization": org.pk,
        "requester": customer.pk,
        "channel": "phone",
        "priority": priorities["high"].pk,
        "subject": "Phoned in: fax down",
        "description": "",
        "assign_to_me": "on",
        "filing_token": token,
    }
    client.post(reverse("desk:ticket_new"), data)
    again = client.post(reverse("desk:ticket_new"), data, follow=True)
    ticket = Ticket.objects.get()
    assert ticket.assignee == tech
    assert f"This form was already filed as {ticket.reference}" in again.content.decode()
    assert ticket.events.filter(kind="assignee").count() == 1


# --- the API's Idempotency-Key ---------------------------------------------------------------------


def test_the_same_idempotency_key_files_once_and_replays_the_ticket(customer, priorities):
    api = token_client(customer)
    body = {"subject": "Fax down", "description": "Since 9:00", "priority": "high"}
    first = api.post("/api/tickets/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = api.post("/api/tickets/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    assert Ticket.objects.count() == 1
    assert len(_received_mails()) == 1


def test_the_same_key_with_a_different_body_is_refused_clearly(customer, priorities):
    api = token_client(customer)
    api.post("/api/tickets/", {"subject": "Fax down"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = api.post("/api/tickets/", {"subject": "Printer down"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 422
    ticket = Ticket.objects.get()
    assert ticket.reference in other.json()["detail"] and "new key" in other.json()["detail"]


def test_keys_belong_to_their_user_and_no_key_files_every_time(customer, colleague, priorities):
    body = {"subject": "Fax down"}
    token_client(customer).post("/api/tickets/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    mine = token_client(colleague).post("/api/tickets/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert mine.status_code == 201 and mine.json()["requester"]["email"] == colleague.email
    token_client(customer).post("/api/tickets/", body, format="json")
    token_client(customer).post("/api/tickets/", body, format="json")
    assert Ticket.objects.count() == 4


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve"])
def test_a_malformed_key_is_a_400_that_names_the_header(customer, priorities, key):
    response = token_client(customer).post(
        "/api/tickets/", {"subject": "Fax down"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert not Ticket.objects.exists()


def test_a_refused_api_filing_does_not_burn_the_key(customer, priorities):
    api = token_client(customer)
    bad = api.post(
        "/api/tickets/", {"subject": "x", "priority": "nope"}, format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )
    assert bad.status_code == 400
    good = api.post("/api/tickets/", {"subject": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert good.status_code == 201


def test_the_service_refuses_a_reused_key_with_another_fingerprint(customer, priorities):
    ticket_file_once(key="api:z", fingerprint="a", by=customer, requester=customer, subject="One", now=NOW)
    with pytest.raises(FilingKeyReused):
        ticket_file_once(
            key="api:z", fingerprint="b", by=customer, requester=customer, subject="Two", now=NOW
        )
    assert FilingKey.objects.get().ticket.subject == "One"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="separate connections racing: PostgreSQL only")
def test_two_processes_filing_with_the_same_key_at_once_file_one_ticket(customer, priorities):
    barrier = threading.Barrier(4)
    results, errors = [], []

    def work():
        try:
            barrier.wait()
            filed = ticket_file_once(
                key="form:race", by=customer, requester=customer, subject="Race", now=NOW
            )
            results.append(filed.ticket.pk)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert Ticket.objects.count() == 1 and set(results) == {Ticket.objects.get().pk}
