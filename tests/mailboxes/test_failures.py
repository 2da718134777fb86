"""A mailbox the server refuses is visible, with the server's own words, on /healthz, in the admin list and
on the desk banner for admins; it is retried with backoff and clears on the next good fetch."""

from __future__ import annotations

from datetime import timedelta

from mailboxes.models import Mailbox
from mailboxes.selectors import mailboxes_failing
from mailboxes.services import mailbox_poll, mailboxes_poll
from tests.conftest import NOW
from tests.mailboxes.dovecot import PASSWORD
from tests.notifications.mailkit import raw_mail
from tickets.models import Ticket


def fail_login(mailbox: Mailbox) -> Mailbox:
    Mailbox.objects.filter(pk=mailbox.pk).update(secret="not-the-password")
    mailbox_poll(mailbox_id=mailbox.pk, now=NOW)
    mailbox.refresh_from_db()
    return mailbox


def test_a_wrong_password_records_the_servers_message_and_backs_off(mailbox, imap, priorities, plan):
    imap.append("INBOX", raw_mail(subject="Waiting", message_id="<waiting@acme.test>"))

    mailbox = fail_login(mailbox)

    assert "AUTHENTICATIONFAILED" in mailbox.last_error
    assert mailbox.failures == 1 and mailbox.failing_since == NOW
    assert mailbox.next_poll_at == NOW + timedelta(minutes=1)
    assert mailbox.lease_until is None  # released: the next due run may try
    assert mailboxes_poll(now=NOW + timedelta(seconds=30)) == 0  # not due yet
    mailboxes_poll(now=NOW + timedelta(minutes=1))
    mailbox.refresh_from_db()
    assert mailbox.failures == 2 and mailbox.next_poll_at == NOW + timedelta(minutes=3)  # 1 + 2

    Mailbox.objects.filter(pk=mailbox.pk).update(secret=PASSWORD)
    assert mailboxes_poll(now=NOW + timedelta(minutes=3)) == 1
    mailbox.refresh_from_db()
    assert mailbox.last_error == "" and mailbox.failures == 0 and mailbox.failing_since is None
    assert Ticket.objects.get().subject == "Waiting"  # nothing was lost while it failed


def test_an_unreachable_server_is_a_failing_mailbox_too(mailbox, priorities, plan):
    from tests.mailboxes.dovecot import free_port

    Mailbox.objects.filter(pk=mailbox.pk).update(port=free_port())
    mailbox_poll(mailbox_id=mailbox.pk, now=NOW)
    mailbox.refresh_from_db()
    assert mailbox.last_error.startswith("ConnectionRefusedError")


def test_healthz_names_the_failing_mailbox_with_the_servers_message(mailbox, client):
    fail_login(mailbox)

    body = client.get("/healthz").json()

    (failing,) = body["mailboxes"]["failing"]
    assert body["mailboxes"]["ok"] is False
    assert failing["address"] == mailbox.address and "AUTHENTICATIONFAILED" in failing["error"]


def test_healthz_says_ok_when_every_mailbox_fetches(mailbox, client, priorities, plan):
    mailbox_poll(mailbox_id=mailbox.pk, now=NOW)
    assert client.get("/healthz").json()["mailboxes"] == {"ok": True, "failing": []}


def test_the_admin_list_shows_the_failing_mailbox_and_never_its_secret(mailbox, client, admin_user):
    fail_login(mailbox)
    client.force_login(admin_user)

    listing = client.get("/admin/mailboxes/mailbox/").content.decode()
    change = client.get(f"/admin/mailboxes/mailbox/{mailbox.pk}/change/").content.decode()

    assert "failing" in listing and "AUTHENTICATIONFAILED" in listing
    assert "not-the-password" not in listing and "not-the-password" not in change
    assert "A secret is stored" in change


def test_saving_the_admin_form_with_an_empty_secret_keeps_the_stored_one(mailbox, client, admin_user):
    client.force_login(admin_user)
    form = {
        "name": "Support desk",
        "address": mailbox.address,
        "active": "on",
        "host": mailbox.host,
        "port": mailbox.port,
        "security": mailbox.security,
        "folder": "INBOX",
        "username": mailbox.username,
        "auth": "password",
        "secret": "",
        "oauth_client_secret": "",
        "smtp_port": 587,
        "smtp_security": "starttls",
    }
    response = client.post(f"/admin/mailboxes/mailbox/{mailbox.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    mailbox.refresh_from_db()
    assert mailbox.name == "Support desk" and mailbox.secret == PASSWORD


def test_admins_see_the_desk_banner_technicians_do_not(mailbox, client, admin_user, tech):
    fail_login(mailbox)

    client.force_login(admin_user)
    page = client.get("/desk/").content.decode()
    assert "Mail is not being fetched" in page and "AUTHENTICATIONFAILED" in page

    client.force_login(tech)
    assert "Mail is not being fetched" not in client.get("/desk/").content.decode()


def test_the_failing_list_is_one_query_however_many_mailboxes_fail(db, django_assert_num_queries):
    for n in range(5):
        Mailbox.objects.create(
            name=f"Box {n}", address=f"box{n}@helpdesk.test", host="h", username="u", last_error="refused"
        )
    Mailbox.objects.create(name="Fine", address="fine@helpdesk.test", host="h", username="u")
    with django_assert_num_queries(1):
        assert len(mailboxes_failing()) == 5
