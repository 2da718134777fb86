"""API keys expire and can be revoked: by their owner (the API, the profile page) and by admins."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tokens import MAX_LIVE_TOKENS

pytestmark = pytest.mark.django_db


def _issue(email="casey@acme.test", **extra) -> str:
    response = APIClient().post(
        "/api/auth/token/", {"email": email, "password": "pw", **extra}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _api(key: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}")


def test_a_key_stops_working_when_it_expires(customer, settings):
    settings.API_TOKEN_TTL_DAYS = 7
    key = _issue()
    with time_machine.travel(timedelta(days=6, hours=23)):
        assert _api(key).get("/api/tickets/").status_code == 200
    with time_machine.travel(timedelta(days=7, minutes=1)):
        expired = _api(key).get("/api/tickets/")
    assert expired.status_code == 401
    assert expired.json() == {"detail": "Invalid, expired or revoked token."}
    assert expired["WWW-Authenticate"] == "Token"


def test_the_owner_revokes_the_key_they_call_with(customer):
    key, other = _issue(name="CI"), _issue(name="laptop")
    assert _api(key).delete("/api/auth/token/").status_code == 204
    assert _api(key).get("/api/tickets/").status_code == 401
    assert _api(other).get("/api/tickets/").status_code == 200  # only that key
    assert _api(other).delete("/api/auth/token/?all=true").status_code == 204
    assert _api(other).get("/api/tickets/").status_code == 401


def test_revoking_needs_a_key_or_a_session(customer):
    assert APIClient().delete("/api/auth/token/").status_code == 401
    assert _api("0" * 40).delete("/api/auth/token/").status_code == 401


def test_the_owner_sees_and_revokes_keys_on_the_profile_page(client, customer, colleague):
    key = _issue(name="Nightly export")
    theirs = _issue(email="chris@acme.test")
    client.force_login(customer)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Nightly export" in page and key[:8] in page and key not in page
    assert theirs[:8] not in page
    # Another person's key id is a 404 and stays live.
    other_id = ApiToken.objects.get(user=colleague).pk
    assert client.post(reverse("accounts:token_revoke"), {"token": other_id}).status_code == 404
    assert _api(theirs).get("/api/tickets/").status_code == 200
    mine = ApiToken.objects.get(user=customer).pk
    assert client.post(reverse("accounts:token_revoke"), {"token": mine}).status_code == 302
    assert _api(key).get("/api/tickets/").status_code == 401


def test_an_admin_revokes_a_key_from_the_admin(client, customer, admin_user):
    key = _issue()
    client.force_login(admin_user)
    token = ApiToken.objects.get(user=customer)
    page = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk])).content.decode()
    assert key[:8] in page and key not in page and token.key_hash not in page
    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    assert _api(key).get("/api/tickets/").status_code == 401


def test_a_deactivated_persons_key_stops_working(customer):
    key = _issue()
    customer.is_active = False
    customer.save()
    assert _api(key).get("/api/tickets/").status_code == 401


def test_issuing_many_keys_keeps_only_the_newest(customer):
    keys = [_issue() for _ in range(MAX_LIVE_TOKENS + 2)]
    assert _api(keys[0]).get("/api/tickets/").status_code == 401
    assert _api(keys[-1]).get("/api/tickets/").status_code == 200
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == MAX_LIVE_TOKENS


def test_an_admin_issues_a_key_from_the_command_line(customer, unverified, capsys):
    from django.core.management import CommandError, call_command

    call_command("api_token", "Casey@acme.test")
    key = capsys.readouterr().out.strip()
    assert _api(key).get("/api/tickets/").status_code == 200
    with pytest.raises(CommandError, match="Verify your email address"):
        call_command("api_token", "uma@acme.test")
