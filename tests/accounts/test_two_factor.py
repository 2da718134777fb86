"""Two-factor sign-in, driven as a person does it (issue 21): set up an authenticator app from the QR
page (the code computed from the key the page shows, as the app would), sign in with a code or a
recovery code, and find the second step on every way in: password, sign-in link, admin, API token,
and a session opened by any other channel."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import two_factor
from accounts.services import login_link_token
from accounts.tokens import SecondFactorRequired, token_issue
from tests.totp import secret_from_page, totp

pytestmark = pytest.mark.django_db

SIGNIN = "/accounts/login/"
STEP = "/accounts/login/two-factor/"


def _codes(html: str) -> list[str]:
    block = re.search(r'id="recovery-codes">(.*?)</ul>', html, re.S).group(1)
    return re.findall(r"<code>([a-z2-7]+)</code>", block)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _enrol_on_profile(client, user) -> tuple[bytes, list[str]]:
    client.force_login(user)
    page = client.get(reverse("accounts:two_factor") + "?setup=1").content.decode()
    assert "<svg" in page and "QR code" in page
    key = secret_from_page(page)
    done = client.post(reverse("accounts:two_factor"), {"action": "confirm", "code": totp(key)})
    assert done.status_code == 200, done.content
    codes = _codes(done.content.decode())
    client.logout()
    return key, codes


def _password(client, email, next_url=""):
    return client.post(
        SIGNIN + (f"?next={next_url}" if next_url else ""), {"username": email, "password": "pw"}
    )


def test_a_customer_sets_up_an_app_then_signs_in_with_password_and_code(client, customer):
    key, codes = _enrol_on_profile(client, customer)
    customer.refresh_from_db()
    assert customer.two_factor_enabled and len(codes) == 10 and len(set(codes)) == 10

    response = _password(client, "casey@acme.test", next_url="/accounts/profile/")
    assert response.status_code == 302 and response["Location"] == STEP
    assert not _signed_in(client)  # the password alone signs nobody in
    assert client.get("/").status_code == 302

    wrong = client.post(STEP, {"code": "000000" if totp(key, step_offset=1) != "000000" else "111111"})
    assert "That code did not match" in wrong.content.decode() and not _signed_in(client)

    assert "Wait a few seconds" in wrong.content.decode()  # django-otp's brake after a wrong code
    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        done = client.post(STEP, {"code": totp(key, step_offset=1)})  # the next 30 s: the last is spent
    assert done.status_code == 302 and done["Location"] == "/accounts/profile/"
    assert _signed_in(client)
    assert client.get("/accounts/profile/").status_code == 200


def test_a_code_once_used_does_not_sign_in_again(client, customer):
    key, _ = _enrol_on_profile(client, customer)  # spends the current code
    _password(client, "casey@acme.test")
    assert "That code did not match" in client.post(STEP, {"code": totp(key)}).content.decode()
    assert not _signed_in(client)


def test_a_recovery_code_signs_in_once(client, customer):
    _, codes = _enrol_on_profile(client, customer)
    _password(client, "casey@acme.test")
    response = client.post(STEP, {"code": codes[0].upper()[:4] + "-" + codes[0][4:]})  # as typed from paper
    assert response.status_code == 302 and _signed_in(client)
    assert two_factor.recovery_codes_left(user=customer) == 9
    client.logout()
    _password(client, "casey@acme.test")
    again = client.post(STEP, {"code": codes[0]})
    assert again.status_code == 200 and not _signed_in(client)


def test_recovery_codes_are_shown_once_and_renewing_them_kills_the_old_set(client, customer):
    key, codes = _enrol_on_profile(client, customer)
    _password(client, "casey@acme.test")
    client.post(STEP, {"code": totp(key, step_offset=1)})
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert "Recovery codes left: <strong>10</strong>" in page
    assert not any(code in page for code in codes)  # never shown again
    fresh = _codes(client.post(reverse("accounts:two_factor"), {"action": "codes"}).content.decode())
    assert set(fresh).isdisjoint(codes)
    client.logout()
    _password(client, "casey@acme.test")
    assert client.post(STEP, {"code": codes[1]}).status_code == 200 and not _signed_in(client)
    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        assert client.post(STEP, {"code": fresh[1]}).status_code == 302 and _signed_in(client)


def test_staff_who_must_use_it_set_it_up_at_their_next_sign_in(client, tech, settings):
    settings.HELPDESK_REQUIRE_2FA_FOR_STAFF = True
    response = _password(client, "tech@helpdesk.test", next_url="/desk/")
    assert response["Location"] == STEP and not _signed_in(client)
    page = client.get(STEP).content.decode()
    assert "Set up two-factor sign-in" in page and "<svg" in page
    key = secret_from_page(page)
    done = client.post(STEP, {"code": totp(key)})
    assert done.status_code == 200 and len(_codes(done.content.decode())) == 10
    assert _signed_in(client) and client.get("/desk/").status_code == 200
    tech.refresh_from_db()
    assert tech.two_factor_enabled


def test_customers_are_not_asked_when_only_staff_must_use_it(client, customer, settings):
    settings.HELPDESK_REQUIRE_2FA_FOR_STAFF = True
    response = _password(client, "casey@acme.test")
    assert response.status_code == 302 and response["Location"] == "/" and _signed_in(client)


def test_the_admin_refuses_a_session_without_the_second_factor_when_required(client, admin_user, settings):
    settings.HELPDESK_REQUIRE_2FA_FOR_STAFF = True
    client.force_login(admin_user)  # signed in by some way that skipped the step
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == STEP
    assert not _signed_in(client)
    assert client.get("/admin/").status_code == 302  # still out
    # The admin's own sign-in form is no way around: a right password leads to the same step.
    login = client.post(
        "/admin/login/?next=/admin/sla/supportplan/", {"username": "admin@helpdesk.test", "password": "pw"}
    )
    assert login.status_code == 302 and login["Location"] == STEP and not _signed_in(client)
    key = secret_from_page(client.get(STEP).content.decode())
    client.post(STEP, {"code": totp(key)})
    assert _signed_in(client) and client.get("/admin/sla/supportplan/").status_code == 200


def test_the_admin_site_itself_asks_for_the_second_factor(rf, admin_user, settings):
    from django.contrib import admin
    from django.contrib.sessions.backends.db import SessionStore

    settings.HELPDESK_REQUIRE_2FA_FOR_STAFF = True
    device = two_factor.totp_device_pending(user=admin_user)
    device, _ = two_factor.totp_enrol_confirm(user=admin_user, code=totp(device.bin_key), now=timezone.now())

    def request_with(session: dict):
        request = rf.get("/admin/")
        request.session = SessionStore()
        request.session.update(session)
        request.user = admin_user
        return request

    assert admin.site.has_permission(request_with({})) is False
    assert admin.site.has_permission(request_with({"otp_device_id": device.persistent_id})) is True


def test_an_admin_signs_in_to_the_admin_with_a_code(client, admin_user, settings):
    settings.HELPDESK_REQUIRE_2FA_FOR_STAFF = True
    _password(client, "admin@helpdesk.test", next_url="/admin/")
    key = secret_from_page(client.get(STEP).content.decode())
    page = client.post(STEP, {"code": totp(key)})
    assert _signed_in(client) and 'href="/admin/"' in page.content.decode()
    assert client.get("/admin/").status_code == 200


def test_a_session_opened_elsewhere_goes_back_to_the_step_for_someone_who_uses_it(client, customer):
    key, _ = _enrol_on_profile(client, customer)
    client.force_login(customer)  # e.g. single sign-on, or a session from before they turned it on
    response = client.get("/tickets/new/")
    assert response["Location"] == STEP and not _signed_in(client)
    done = client.post(STEP, {"code": totp(key, step_offset=1)})
    assert done["Location"] == "/tickets/new/" and _signed_in(client)


def test_a_sign_in_link_does_not_skip_the_code(client, customer):
    key, _ = _enrol_on_profile(client, customer)
    link = reverse("accounts:login_link_use", args=[login_link_token(customer)])
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == STEP and not _signed_in(client)
    assert client.post(link).status_code == 400  # spent
    assert client.post(STEP, {"code": totp(key, step_offset=1)}).status_code == 302 and _signed_in(client)


def test_a_staff_sign_in_link_does_not_skip_setting_it_up_when_required(client, tech, settings):
    settings.HELPDESK_REQUIRE_2FA_FOR_STAFF = True
    response = client.post(reverse("accounts:login_link_use", args=[login_link_token(tech)]))
    assert response["Location"] == STEP and not _signed_in(client)
    assert client.get("/desk/").status_code == 302


def test_the_step_expires_and_does_not_survive_a_password_change(client, customer):
    key, _ = _enrol_on_profile(client, customer)
    _password(client, "casey@acme.test")
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        late = client.post(STEP, {"code": totp(key, step_offset=22)})
    assert late["Location"] == SIGNIN and not _signed_in(client)
    _password(client, "casey@acme.test")
    customer.set_password("a-new-password-77")
    customer.save()
    changed = client.post(STEP, {"code": totp(key, step_offset=1)})
    assert changed["Location"] == SIGNIN and not _signed_in(client)


def test_wrong_codes_are_throttled_like_passwords(client, customer):
    key, _ = _enrol_on_profile(client, customer)
    _password(client, "casey@acme.test")
    for n in range(5):
        client.post(STEP, {"code": f"{n:06d}" if f"{n:06d}" != totp(key, step_offset=1) else "999999"})
    blocked = client.post(STEP, {"code": totp(key, step_offset=1)})
    assert blocked.status_code == 429 and not _signed_in(client)


def _token(**data):
    return APIClient().post("/api/auth/token/", {"password": "pw", **data}, format="json")


def test_a_token_needs_a_current_code_from_someone_who_uses_two_factor(client, customer):
    key, codes = _enrol_on_profile(client, customer)
    missing = _token(email="casey@acme.test")
    assert missing.status_code == 400 and "otp" in missing.json()
    wrong = _token(
        email="casey@acme.test", otp="123456" if totp(key, step_offset=1) != "123456" else "654321"
    )
    assert wrong.status_code == 400 and "otp" in wrong.json()
    ok = _token(email="casey@acme.test", otp=totp(key, step_offset=1))
    assert ok.status_code == 200 and len(ok.json()["token"]) == 40
    assert _token(email="casey@acme.test", otp=codes[0]).status_code == 200  # a recovery code, spent
    assert _token(email="casey@acme.test", otp=codes[0]).status_code == 400


def test_staff_who_must_use_it_get_no_token_before_setting_it_up(tech, settings):
    settings.HELPDESK_REQUIRE_2FA_FOR_STAFF = True
    refused = _token(email="tech@helpdesk.test", otp="123456")
    assert refused.status_code == 400 and "set it up" in refused.json()["otp"][0]
    with pytest.raises(SecondFactorRequired):
        token_issue(user=tech, now=timezone.now())
    # An operator at the server's shell may still issue one (manage.py api_token).
    assert token_issue(user=tech, now=timezone.now(), at_the_server=True)[1]


def test_turning_it_off_needs_a_code_and_is_refused_when_required(client, customer, tech, settings):
    key, codes = _enrol_on_profile(client, customer)
    _password(client, "casey@acme.test")
    client.post(STEP, {"code": codes[0]})
    refused = client.post(reverse("accounts:two_factor"), {"action": "disable", "code": "000000"})
    assert "did not match" in refused.content.decode()
    client.post(reverse("accounts:two_factor"), {"action": "disable", "code": totp(key, step_offset=1)})
    customer.refresh_from_db()
    assert not customer.two_factor_enabled
    assert not two_factor.needs_second_factor(customer)

    settings.HELPDESK_REQUIRE_2FA_FOR_STAFF = True
    device = two_factor.totp_device_pending(user=tech)
    two_factor.totp_enrol_confirm(user=tech, code=totp(device.bin_key), now=timezone.now())
    with pytest.raises(two_factor.TwoFactorError):
        two_factor.two_factor_disable(user=tech, code=totp(device.bin_key, step_offset=1))


def test_an_admin_resets_a_lost_phone_from_the_user_page(client, admin_user, customer):
    device = two_factor.totp_device_pending(user=customer)
    two_factor.totp_enrol_confirm(user=customer, code=totp(device.bin_key), now=timezone.now())
    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/user/", {"action": "reset_two_factor", "_selected_action": [customer.pk]}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert not customer.two_factor_enabled and two_factor.recovery_codes_left(user=customer) == 0
    assert _password(client, "casey@acme.test")["Location"] == "/"
