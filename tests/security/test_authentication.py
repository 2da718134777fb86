"""Sign-in and password reset: throttled per address and client, per address and per IP, with one clear
message, no account enumeration, a sign-in link by email so a lockout never keeps the owner out, and
secure cookies in production (checked in a subprocess on the production settings)."""

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import throttle

ROOT = Path(__file__).resolve().parents[2]
THROTTLED = "Too many sign-in attempts"


def _login(client, email, password, ip="203.0.113.7"):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_sign_in_is_refused_after_five_failures_for_that_address_even_with_the_right_password(
    client, customer
):
    for _ in range(throttle.LOGIN.per_pair):
        assert _login(client, "casey@acme.test", "wrong").status_code == 200
    blocked = _login(client, "casey@acme.test", "pw")
    assert blocked.status_code == 429
    assert THROTTLED in blocked.content.decode() and "15 minutes" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_throttled_address_does_not_lock_out_a_colleague_on_the_same_network(client, customer, colleague):
    for _ in range(throttle.LOGIN.per_pair + 2):
        _login(client, "casey@acme.test", "wrong")
    assert _login(client, "chris@acme.test", "pw").status_code == 302


def test_an_ip_that_sprays_many_addresses_is_stopped_but_other_ips_are_not(client, customer):
    for n in range(throttle.LOGIN.per_ip):
        _login(client, f"guess{n}@acme.test", "wrong", ip="198.51.100.9")
    assert _login(client, "casey@acme.test", "pw", ip="198.51.100.9").status_code == 429
    assert _login(client, "casey@acme.test", "pw", ip="198.51.100.10").status_code == 302


def test_a_successful_sign_in_clears_the_address_failures(client, customer):
    for _ in range(throttle.LOGIN.per_pair - 1):
        _login(client, "casey@acme.test", "wrong")
    assert _login(client, "casey@acme.test", "pw").status_code == 302
    client.post(reverse("logout"))
    for _ in range(throttle.LOGIN.per_pair - 1):
        _login(client, "casey@acme.test", "wrong")
    assert _login(client, "casey@acme.test", "pw").status_code == 302


def _link(mail) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", mail.body).group(1)


def _attack_from_many_clients(client, email="casey@acme.test"):
    """A botnet: enough clients, each stopping at its own limit, to reach the address-wide ceiling."""
    clients = -(-throttle.LOGIN.per_account // throttle.LOGIN.per_pair)
    for n in range(clients):
        for _ in range(throttle.LOGIN.per_pair):
            _login(client, email, "guess", ip=f"198.18.{n // 200}.{n % 200}")


def test_an_attacker_hammering_from_one_client_does_not_lock_the_owner_out(client, tech):
    for _ in range(throttle.LOGIN.per_pair * 4):
        _login(client, "tech@helpdesk.test", "guess", ip="198.51.100.66")
    assert _login(client, "tech@helpdesk.test", "pw", ip="198.51.100.66").status_code == 429
    owner = client.__class__()
    assert _login(owner, "tech@helpdesk.test", "pw", ip="203.0.113.5").status_code == 302


def test_when_many_clients_lock_an_address_the_owner_gets_in_with_a_link_by_email(
    client, customer, mailoutbox, django_capture_on_commit_callbacks
):
    _attack_from_many_clients(client)
    owner = client.__class__()
    refused = _login(owner, "casey@acme.test", "pw", ip="203.0.113.5")
    assert refused.status_code == 429 and "_auth_user_id" not in owner.session
    assert "Email me a sign-in link" in refused.content.decode()
    # The token endpoint is locked for the address too, from any client.
    token = APIClient(REMOTE_ADDR="203.0.113.5").post(
        "/api/auth/token/", {"email": "casey@acme.test", "password": "pw"}, format="json"
    )
    assert token.status_code == 429
    with django_capture_on_commit_callbacks(execute=True):
        sent = owner.post(
            reverse("accounts:login_link"), {"email": "casey@acme.test"}, REMOTE_ADDR="203.0.113.5"
        )
    assert sent.status_code == 200 and "If an account exists" in sent.content.decode()
    link = _link(mailoutbox[-1])
    _login(client, "casey@acme.test", "guess", ip="198.18.9.9")  # the attack goes on meanwhile
    page = owner.get(link)  # a mail scanner's GET does not spend the link
    assert page.status_code == 200 and "_auth_user_id" not in owner.session
    assert owner.post(link).status_code == 302
    assert owner.session["_auth_user_id"] == str(customer.pk)
    assert owner.get(reverse("portal:ticket_list")).status_code == 200
    # Single use: the same link, again, from anyone, is refused.
    again = client.__class__().post(link)
    assert again.status_code == 400 and "used already" in again.content.decode()


def test_sign_in_link_requests_answer_the_same_for_unknown_addresses_and_are_throttled(
    client, customer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("accounts:login_link"), {"email": "casey@acme.test"})
        unknown = client.post(reverse("accounts:login_link"), {"email": "nobody@acme.test"})
    assert _shape(known, "casey@acme.test") == _shape(unknown, "nobody@acme.test")
    assert [m.to for m in mailoutbox] == [["casey@acme.test"]]
    for _ in range(throttle.LOGIN_LINK.per_account):
        last = client.post(reverse("accounts:login_link"), {"email": "nobody@acme.test"})
    assert last.status_code == 429


def test_a_sign_in_link_expires_after_fifteen_minutes(
    client, customer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:login_link"), {"email": "casey@acme.test"})
    link = _link(mailoutbox[-1])
    with time_machine.travel(timedelta(minutes=16)):
        late = client.post(link)
    assert late.status_code == 400 and "expired" in late.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_sign_in_shares_the_same_throttle(client, admin_user):
    for _ in range(throttle.LOGIN.per_pair):
        _login(client, "admin@helpdesk.test", "guess")
    response = client.post(
        reverse("admin:login"),
        {"username": "admin@helpdesk.test", "password": "pw"},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def _shape(response, email):
    body = response.content.decode().replace(email, "EMAIL")
    return response.status_code, re.sub(r"[A-Za-z0-9]{64}", "CSRF-TOKEN", body)


def test_sign_in_answers_the_same_for_an_unknown_address_and_a_wrong_password(client, customer):
    known = _login(client, "casey@acme.test", "wrong")
    unknown = _login(client, "nobody@acme.test", "wrong")
    status_known, body_known = _shape(known, "casey@acme.test")
    status_unknown, body_unknown = _shape(unknown, "nobody@acme.test")
    assert status_known == status_unknown == 200
    assert body_known == body_unknown
    # ... and the throttle treats an address that does not exist exactly like one that does.
    for _ in range(throttle.LOGIN.per_pair):
        _login(client, "nobody@acme.test", "wrong")
        _login(client, "casey@acme.test", "wrong")
    assert (
        _login(client, "nobody@acme.test", "x").status_code
        == _login(client, "casey@acme.test", "x").status_code
        == 429
    )


def _reset(client, email, ip="203.0.113.7"):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_password_reset_sends_at_most_three_links_an_hour_per_address(
    client, customer, colleague, mailoutbox, django_capture_on_commit_callbacks
):
    for _ in range(throttle.PASSWORD_RESET.per_account):
        assert _reset(client, "casey@acme.test").status_code == 302
    refused = _reset(client, "casey@acme.test")
    assert refused.status_code == 429
    assert "Too many password reset requests" in refused.content.decode()
    assert len(mailoutbox) == throttle.PASSWORD_RESET.per_account
    # Unknown addresses are counted and refused the same way (no enumeration) ...
    for _ in range(throttle.PASSWORD_RESET.per_account):
        assert _reset(client, "nobody@acme.test").status_code == 302
    assert _reset(client, "nobody@acme.test").status_code == 429
    # ... and a colleague behind the same IP still gets a link.
    assert _reset(client, "chris@acme.test", ip="203.0.113.8").status_code == 302
    assert mailoutbox[-1].to == ["chris@acme.test"]


def test_password_reset_is_limited_per_ip_across_addresses(client, db):
    for n in range(throttle.PASSWORD_RESET.per_ip):
        assert _reset(client, f"x{n}@acme.test", ip="198.51.100.20").status_code == 302
    assert _reset(client, "fresh@acme.test", ip="198.51.100.20").status_code == 429
    assert _reset(client, "fresh@acme.test", ip="198.51.100.21").status_code == 302


PROBE = """
import json
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory, override_settings

# The cookie flags come from SESSION_COOKIE_* / CSRF_COOKIE_*; the session store is irrelevant to them,
# so the probe keeps sessions in memory and needs no database.
override_settings(SESSION_ENGINE="django.contrib.sessions.backends.cache").enable()

def view(request):
    get_token(request)
    request.session["probe"] = 1
    return HttpResponse("ok")

chain = SecurityMiddleware(SessionMiddleware(CsrfViewMiddleware(view)))
response = chain(RequestFactory().get("/", secure=True, HTTP_HOST="support.example.com"))
plain = chain(RequestFactory().get("/", HTTP_HOST="support.example.com"))
session, csrf = response.cookies[settings.SESSION_COOKIE_NAME], response.cookies[settings.CSRF_COOKIE_NAME]
print(json.dumps({
    "status": response.status_code,
    "session_secure": bool(session["secure"]), "session_httponly": bool(session["httponly"]),
    "csrf_secure": bool(csrf["secure"]), "samesite": [session["samesite"], csrf["samesite"]],
    "hsts": response.get("Strict-Transport-Security", ""), "nosniff": response.get("X-Content-Type-Options", ""),
    "redirect": plain.status_code,
}))
"""


def test_production_settings_send_session_and_csrf_cookies_secure_only():
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    env = {
        **base,
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "support.example.com",
        "SECRET_KEY": "p" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["status"] == 200
    assert seen["session_secure"] and seen["session_httponly"] and seen["csrf_secure"]
    assert seen["samesite"] == ["Lax", "Lax"]
    assert seen["hsts"].startswith("max-age=31536000") and seen["nosniff"] == "nosniff"
    assert seen["redirect"] == 301  # plain HTTP is sent to HTTPS
