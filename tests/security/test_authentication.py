"""Sign-in and password reset: throttled per address and per IP, with one clear message, no account
enumeration, and secure cookies in production (checked in a subprocess on the production settings)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

from accounts import throttle

ROOT = Path(__file__).resolve().parents[2]
THROTTLED = "Too many sign-in attempts"


def _login(client, email, password, ip="203.0.113.7"):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_sign_in_is_refused_after_five_failures_for_that_address_even_with_the_right_password(
    client, customer
):
    for _ in range(throttle.LOGIN.per_account):
        assert _login(client, "casey@acme.test", "wrong").status_code == 200
    blocked = _login(client, "casey@acme.test", "pw")
    assert blocked.status_code == 429
    assert THROTTLED in blocked.content.decode() and "15 minutes" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_throttled_address_does_not_lock_out_a_colleague_on_the_same_network(client, customer, colleague):
    for _ in range(throttle.LOGIN.per_account + 2):
        _login(client, "casey@acme.test", "wrong")
    assert _login(client, "chris@acme.test", "pw").status_code == 302


def test_an_ip_that_sprays_many_addresses_is_stopped_but_other_ips_are_not(client, customer):
    for n in range(throttle.LOGIN.per_ip):
        _login(client, f"guess{n}@acme.test", "wrong", ip="198.51.100.9")
    assert _login(client, "casey@acme.test", "pw", ip="198.51.100.9").status_code == 429
    assert _login(client, "casey@acme.test", "pw", ip="198.51.100.10").status_code == 302


def test_a_successful_sign_in_clears_the_address_failures(client, customer):
    for _ in range(throttle.LOGIN.per_account - 1):
        _login(client, "casey@acme.test", "wrong")
    assert _login(client, "casey@acme.test", "pw").status_code == 302
    client.post(reverse("logout"))
    for _ in range(throttle.LOGIN.per_account - 1):
        _login(client, "casey@acme.test", "wrong")
    assert _login(client, "casey@acme.test", "pw").status_code == 302


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
    for _ in range(throttle.LOGIN.per_account):
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
