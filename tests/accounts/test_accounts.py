"""Sign-up, verification, invitations, password reset and profile (Django test client)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Invitation, User
from accounts.services import verification_token

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "tangerine-orbit-42"


def _link(mail) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", mail.body).group(1)


def _signup(client, **overrides):
    data = {
        "full_name": "Sam New",
        "email": "sam@acme.test",
        "customer_number": "1001",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        **overrides,
    }
    return client.post(reverse("accounts:signup"), data)


def test_signing_up_with_customer_number_and_org_domain_then_verifying(
    client, org, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client, email="Sam@ACME.test")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:signup_done")
    user = User.objects.get(email="sam@acme.test")
    assert user.organization == org and user.email_verified_at is None and not user.is_staff
    assert [m.to for m in mailoutbox] == [["sam@acme.test"]]
    assert client.login(username="sam@acme.test", password=GOOD_PASSWORD)
    response = client.get(_link(mailoutbox[0]))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_a_customer_number_with_an_address_off_its_domains_is_refused(client, org, other_org, mailoutbox):
    for overrides in ({"email": "sam@gmail.test"}, {"email": "sam@globex.test"}, {"customer_number": "9999"}):
        response = _signup(client, **overrides)
        assert (
            response.status_code == 200
            and "We could not match that customer number" in response.content.decode()
        )
    assert not User.objects.filter(full_name="Sam New").exists() and not mailoutbox


def test_signing_up_with_a_taken_address_looks_the_same_and_mails_the_owner(
    client, customer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        taken = _signup(client, email="casey@acme.test")
        fresh = _signup(client, email="new.person@acme.test")
    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    assert User.objects.filter(email__iexact="casey@acme.test").count() == 1
    casey_mail = next(m for m in mailoutbox if m.to == ["casey@acme.test"])
    assert "already has one" in casey_mail.body
    customer.refresh_from_db()
    assert customer.check_password("pw")  # nothing about the existing account changed


def test_weak_or_mismatched_passwords_are_explained(client, org):
    page = _signup(client, password1="password", password2="password").content.decode()
    assert "This password is too common." in page
    page = _signup(client, password2="something-else-7").content.decode()
    assert "The two passwords differ." in page and 'value="Sam New"' in page
    assert not User.objects.filter(email="sam@acme.test").exists()


def test_verification_links_are_signed_and_expire(client, unverified):
    customer = unverified
    token = verification_token(customer)
    assert client.get(reverse("accounts:verify_email", args=[token[:-2] + "xx"])).status_code == 400
    with time_machine.travel(timedelta(days=4)):
        response = client.get(reverse("accounts:verify_email", args=[token]))
    assert response.status_code == 400 and "expired" in response.content.decode()
    customer.refresh_from_db()
    assert customer.email_verified_at is None
    client.get(reverse("accounts:verify_email", args=[token]))
    customer.refresh_from_db()
    assert customer.email_verified_at is not None


def test_an_unverified_customer_can_ask_for_a_new_link(
    client, unverified, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(unverified)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:verify_resend"), {"next": "/tickets/new/"})
        client.post(reverse("accounts:verify_resend"))  # within a minute: not sent again
    assert len(mailoutbox) == 1 and "/accounts/verify/" in mailoutbox[0].body


def test_an_org_admin_invites_a_colleague_who_joins_verified_once(
    client, customer, org, mailoutbox, django_capture_on_commit_callbacks
):
    customer.is_org_admin = True
    customer.save()
    client.force_login(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:invitations"), {"email": "pat@contractor.test"})
    assert response.status_code == 302 and Invitation.objects.get().invited_by == customer
    link = _link(mailoutbox[0])
    client.logout()
    page = client.get(link).content.decode()
    assert "pat@contractor.test" in page and "Join Acme" in page
    response = client.post(
        link, {"full_name": "Pat Contractor", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert response.status_code == 302
    pat = User.objects.get(email="pat@contractor.test")
    assert pat.organization == org and pat.email_verified_at is not None
    again = client.post(
        link, {"full_name": "Mallory", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert again.status_code == 400 and "already been used" in again.content.decode()
    assert User.objects.filter(email="pat@contractor.test").count() == 1


def test_only_org_admins_invite_and_members_are_not_invited_twice(client, customer, colleague):
    client.force_login(colleague)
    assert client.get(reverse("accounts:invitations")).status_code == 403
    customer.is_org_admin = True
    customer.save()
    client.force_login(customer)
    page = client.post(reverse("accounts:invitations"), {"email": "chris@acme.test"}).content.decode()
    assert "already a member of Acme" in page and not Invitation.objects.exists()


def test_a_forged_invitation_link_is_refused(client, db):
    assert client.get(reverse("accounts:invitation_accept", args=["abc:def"])).status_code == 400


def test_password_reset_never_reveals_whether_an_account_exists(
    client, customer, mailoutbox, django_capture_on_commit_callbacks
):
    known = client.post(reverse("accounts:password_reset"), {"email": "CASEY@acme.test"})
    unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@acme.test"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mailoutbox] == [["casey@acme.test"]]
    confirm = client.get(_link(mailoutbox[0]), follow=True)
    form_url = confirm.redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    assert done.status_code == 302
    assert client.login(username="casey@acme.test", password=GOOD_PASSWORD)


def test_profile_and_password_change(client, customer):
    client.force_login(customer)
    client.post(reverse("accounts:profile"), {"full_name": "Casey C. Customer", "phone": "+44 20 7946 0999"})
    customer.refresh_from_db()
    assert (customer.full_name, customer.phone) == ("Casey C. Customer", "+44 20 7946 0999")
    bad = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD},
    )
    assert bad.status_code == 200 and "Your old password was entered incorrectly" in bad.content.decode()
    client.post(
        reverse("accounts:password_change"),
        {"old_password": "pw", "new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD},
    )
    customer.refresh_from_db()
    assert customer.check_password(GOOD_PASSWORD)


def test_sign_in_is_by_email_in_any_case_and_sign_out_is_a_post(client, customer):
    response = client.post(reverse("login"), {"username": "Casey@Acme.TEST", "password": "pw"})
    assert response.status_code == 302
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert client.get(reverse("portal:ticket_list")).status_code == 302


def test_a_sign_in_link_works_once_even_outside_the_web_sign_in(customer, unverified):
    from django.utils import timezone

    from accounts.services import AccountError, login_link_token, login_link_use

    token = login_link_token(unverified)
    assert login_link_use(token=token, now=timezone.now()) == unverified
    unverified.refresh_from_db()
    assert unverified.email_verified_at is not None  # the link proved the address
    with pytest.raises(AccountError, match="used already"):
        login_link_use(token=token, now=timezone.now())
    with pytest.raises(AccountError, match="not valid"):
        login_link_use(token=login_link_token(customer)[:-3] + "abc", now=timezone.now())
