"""XOAUTH2 end to end: the token is refreshed at a real (local) OAuth2 token endpoint with requests-oauthlib,
and Dovecot's oauth2 passdb checks it against the same server's introspection endpoint, the way Microsoft 365
and Gmail check the tokens they issued. The admin's consent flow exchanges a code at the same endpoint."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from mailboxes.models import Mailbox
from mailboxes.services import mailbox_poll
from tests.conftest import NOW
from tests.notifications.mailkit import raw_mail
from tickets.models import Ticket


@pytest.fixture
def oauth_mailbox(mailbox, dovecot, monkeypatch):
    # oauthlib refuses plain http unless told: the local token server speaks http on loopback only.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    tokens = dovecot.tokens
    Mailbox.objects.filter(pk=mailbox.pk).update(
        auth=Mailbox.Auth.OAUTH2,
        secret="",
        oauth_provider=Mailbox.Provider.CUSTOM,
        oauth_client_id=tokens.client_id,
        oauth_client_secret=tokens.client_secret,
        oauth_authorize_url=f"{tokens.url}/authorize",
        oauth_token_url=f"{tokens.url}/token",
        oauth_scope="imap smtp",
    )
    mailbox.refresh_from_db()
    return mailbox


def refreshes(dovecot) -> int:
    return sum(1 for r in dovecot.tokens.requests if r.get("grant_type") == "refresh_token")


def test_xoauth2_refreshes_the_token_then_fetches_mail(oauth_mailbox, dovecot, imap, priorities, plan):
    Mailbox.objects.filter(pk=oauth_mailbox.pk).update(
        oauth_refresh_token=dovecot.tokens.grant(oauth_mailbox.username)
    )
    imap.append("INBOX", raw_mail(subject="Sent to a Microsoft 365 mailbox", message_id="<m365@acme.test>"))
    before = refreshes(dovecot)

    assert mailbox_poll(mailbox_id=oauth_mailbox.pk, now=NOW) == 1

    oauth_mailbox.refresh_from_db()
    assert oauth_mailbox.last_error == ""
    assert refreshes(dovecot) == before + 1
    assert oauth_mailbox.oauth_expires_at == NOW + timedelta(hours=1)
    assert oauth_mailbox.oauth_access_token in dovecot.tokens.access_tokens
    assert Ticket.objects.get().subject == "Sent to a Microsoft 365 mailbox"
    assert "method=XOAUTH2" in dovecot.log()

    # A token still good for the next minutes is used as it is; one about to expire is refreshed.
    mailbox_poll(mailbox_id=oauth_mailbox.pk, now=NOW + timedelta(minutes=10))
    assert refreshes(dovecot) == before + 1
    mailbox_poll(mailbox_id=oauth_mailbox.pk, now=NOW + timedelta(minutes=56))
    assert refreshes(dovecot) == before + 2
    oauth_mailbox.refresh_from_db()
    assert oauth_mailbox.last_error == ""


def test_a_revoked_grant_shows_the_providers_refusal(oauth_mailbox, dovecot):
    Mailbox.objects.filter(pk=oauth_mailbox.pk).update(oauth_refresh_token="revoked-long-ago")

    mailbox_poll(mailbox_id=oauth_mailbox.pk, now=NOW)

    oauth_mailbox.refresh_from_db()
    assert "invalid_grant" in oauth_mailbox.last_error and oauth_mailbox.failures == 1


def test_a_token_the_server_does_not_accept_is_an_authentication_failure(oauth_mailbox, dovecot):
    Mailbox.objects.filter(pk=oauth_mailbox.pk).update(
        oauth_access_token="forged", oauth_expires_at=NOW + timedelta(hours=1)
    )

    mailbox_poll(mailbox_id=oauth_mailbox.pk, now=NOW)

    oauth_mailbox.refresh_from_db()
    assert "AUTHENTICATIONFAILED" in oauth_mailbox.last_error


def test_the_admin_consent_flow_stores_the_granted_token(oauth_mailbox, dovecot, client, admin_user):
    client.force_login(admin_user)

    start = client.get(f"/admin/mailboxes/mailbox/{oauth_mailbox.pk}/oauth/start/")

    assert start.status_code == 302
    consent = urlsplit(start["Location"])
    query = parse_qs(consent.query)
    assert f"{consent.scheme}://{consent.netloc}{consent.path}" == oauth_mailbox.oauth_authorize_url
    assert query["client_id"] == [dovecot.tokens.client_id] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://testserver/admin/mailboxes/mailbox/oauth/callback/"]
    # The provider signs the admin in and sends them back with a code for this mailbox's user.
    dovecot.tokens.codes["code-123"] = oauth_mailbox.username
    back = client.get(
        "/admin/mailboxes/mailbox/oauth/callback/", {"code": "code-123", "state": query["state"][0]}
    )

    assert back.status_code == 302 and back["Location"].endswith(f"/{oauth_mailbox.pk}/change/")
    oauth_mailbox.refresh_from_db()
    assert oauth_mailbox.oauth_refresh_token in dovecot.tokens.refresh_tokens
    assert oauth_mailbox.oauth_access_token in dovecot.tokens.access_tokens


def test_a_callback_the_admin_did_not_start_is_refused(oauth_mailbox, client, admin_user):
    client.force_login(admin_user)
    client.get(f"/admin/mailboxes/mailbox/{oauth_mailbox.pk}/oauth/start/")

    forged = client.get("/admin/mailboxes/mailbox/oauth/callback/", {"code": "x", "state": "guessed"})

    assert forged.status_code == 403
    oauth_mailbox.refresh_from_db()
    assert oauth_mailbox.oauth_refresh_token == ""


def test_a_technician_cannot_start_the_consent_flow(oauth_mailbox, client, tech):
    client.force_login(tech)
    response = client.get(f"/admin/mailboxes/mailbox/{oauth_mailbox.pk}/oauth/start/")
    assert response.status_code in (302, 403)
    assert "authorize" not in response.get("Location", "")
