"""Sign-in through a real OpenID provider (tests/oidc_idp, its own process): who gets in, as whom."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.identity import is_verified
from accounts.models import Team
from sso.models import SsoIdentity
from tests.factories import CustomerFactory, OrganizationFactory, StaffFactory
from tests.sso.conftest import make_provider

User = get_user_model()
pytestmark = pytest.mark.django_db


def _signed_in(client):
    return client.get("/accounts/profile/").status_code == 200


def _messages(response) -> str:
    return " ".join(str(m) for m in response.wsgi_request._messages)


def test_a_staff_member_is_created_just_in_time_with_role_and_team_from_claims(client, staff_sso, sso_flow):
    response = client.get(sso_flow(staff_sso, "alice"))

    assert response.status_code == 302 and response["Location"] == "/"
    alice = User.objects.get(email="alice@corp.example")
    assert alice.is_staff and not alice.is_superuser and not alice.has_usable_password()
    assert alice.full_name == "Alice Agent"
    assert [g.name for g in alice.groups.all()] == ["Technicians"]
    assert list(Team.objects.get(name="Network").members.all()) == [alice]
    assert SsoIdentity.objects.get(user=alice).issuer == staff_sso.issuer
    assert client.get("/desk/").status_code == 200


def test_the_second_sign_in_finds_the_same_account_and_roles_follow_the_provider(client, staff_sso, sso_flow):
    client.get(sso_flow(staff_sso, "alice"))
    alice = User.objects.get(email="alice@corp.example")
    alice.groups.set([])  # changed here; the provider still says "agent"
    Team.objects.get(name="Network").members.remove(alice)
    staff_sso.team_map = {"net-ops": "Network", "db-ops": "Databases"}
    staff_sso.save()
    Team.objects.create(name="Databases").members.add(alice)  # the provider does not say db-ops
    client.logout()

    client.get(sso_flow(staff_sso, "alice"))

    assert User.objects.filter(email__iexact="alice@corp.example").count() == 1
    assert SsoIdentity.objects.filter(user=alice).count() == 1
    assert [g.name for g in alice.groups.all()] == ["Technicians"]
    assert sorted(t.name for t in alice.teams.all()) == ["Network"]


def test_a_staff_member_with_no_mapped_role_is_refused(client, staff_sso, sso_flow):
    response = client.get(sso_flow(staff_sso, "nobody"))

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "no role" in _messages(response)
    assert not User.objects.filter(email="nobody@corp.example").exists()
    assert not _signed_in(client)


def test_the_staff_provider_creates_nobody_outside_its_trusted_domains(client, staff_sso, sso_flow):
    response = client.get(sso_flow(staff_sso, "outsider"))  # verified, with a role, on elsewhere.example

    assert "does not sign in addresses on that domain" in _messages(response)
    assert not User.objects.filter(email="someone@elsewhere.example").exists()
    assert not _signed_in(client)


def test_a_customer_of_an_organization_with_sso_is_created_verified_in_that_organization(
    client, acme_sso, sso_flow
):
    response = client.get(sso_flow(acme_sso, "carol"))

    assert response.status_code == 302 and response["Location"] == "/"
    carol = User.objects.get(email="carol@acme.example")
    assert carol.organization == acme_sso.organization and not carol.is_staff
    assert is_verified(carol)
    assert client.get("/").status_code == 200


def test_an_existing_account_is_linked_when_the_provider_verifies_an_address_it_speaks_for(
    client, acme_sso, sso_flow
):
    erin = CustomerFactory(
        email="erin@acme.example", organization=acme_sso.organization, email_verified_at=None
    )

    client.get(sso_flow(acme_sso, "erin"))

    identity = SsoIdentity.objects.get()
    assert identity.user == erin
    erin.refresh_from_db()
    assert erin.email_verified_at is not None
    assert _signed_in(client)


def test_an_unverified_address_cannot_take_over_an_existing_account(client, acme_sso, sso_flow):
    dave = CustomerFactory(email="dave@acme.example", organization=acme_sso.organization)

    response = client.get(sso_flow(acme_sso, "dave-unverified"))  # asserts dave@, email_verified false

    assert "did not confirm your email address" in _messages(response)
    assert not SsoIdentity.objects.exists()
    assert not _signed_in(client)
    assert User.objects.get(pk=dave.pk).has_usable_password()


def test_an_organizations_provider_cannot_claim_a_staff_account(client, acme_sso, sso_flow):
    boss = StaffFactory(email="boss@corp.example", group="Admins")
    # Even when an admin wrongly lets Acme's provider speak for corp.example.
    acme_sso.trusted_domains = ["acme.example", "corp.example"]
    acme_sso.save()

    response = client.get(sso_flow(acme_sso, "mallory"))  # asserts boss@corp.example, verified

    assert "cannot be signed in with this provider" in _messages(response)
    assert not SsoIdentity.objects.filter(user=boss).exists()
    assert not _signed_in(client)


def test_an_organizations_provider_cannot_claim_another_organizations_customer(
    client, acme_sso, sso_flow, plan
):
    globex = OrganizationFactory(name="Globex", email_domains=["acme.example"], plan=plan)
    CustomerFactory(email="erin@acme.example", organization=globex)

    response = client.get(sso_flow(acme_sso, "erin"))

    assert "cannot be signed in with this provider" in _messages(response)
    assert not SsoIdentity.objects.exists()


def test_an_id_token_naming_another_issuer_is_refused(client, oidc_provider, sso_flow, acme):
    rogue = make_provider(
        oidc_provider,
        client_id="rogue-issuer",
        slug="rogue",
        organization=acme,
        trusted_domains=["acme.example"],
    )

    response = client.get(sso_flow(rogue, "carol"))

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "did not work" in _messages(response)
    assert not User.objects.filter(email="carol@acme.example").exists()
    assert not _signed_in(client)


def test_an_id_token_with_another_nonce_is_refused(client, oidc_provider, sso_flow, acme):
    rogue = make_provider(
        oidc_provider,
        client_id="rogue-nonce",
        slug="rogue",
        organization=acme,
        trusted_domains=["acme.example"],
    )

    client.get(sso_flow(rogue, "carol"))

    assert not User.objects.filter(email="carol@acme.example").exists()
    assert not _signed_in(client)


def test_a_callback_with_a_state_this_session_did_not_start_is_refused(client, acme_sso, sso_flow):
    callback = sso_flow(acme_sso, "carol")
    forged = callback.replace("state=", "state=x")

    response = client.get(forged)

    assert "not started in this browser" in _messages(response)
    assert not User.objects.exists()


def test_a_callback_cannot_be_replayed(client, acme_sso, sso_flow):
    callback = sso_flow(acme_sso, "carol")
    client.get(callback)
    client.logout()

    response = client.get(callback)

    assert "not started in this browser" in _messages(response)
    assert not _signed_in(client)


def test_a_callback_from_another_browser_is_refused(client, acme_sso, sso_flow):
    callback = sso_flow(acme_sso, "carol")  # started in `client`'s session

    victim = Client()
    response = victim.get(callback)

    assert response.status_code == 302 and "not started in this browser" in _messages(response)
    assert victim.get("/accounts/profile/").status_code == 302


def test_a_discovery_document_for_another_issuer_is_refused(client, oidc_provider, acme):
    # Served by 127.0.0.1, so the document names 127.0.0.1: not the issuer configured here.
    provider = make_provider(
        oidc_provider,
        client_id="helpdesk-acme",
        slug="elsewhere",
        organization=acme,
        issuer=oidc_provider.issuer.replace("127.0.0.1", "localhost"),
    )

    response = client.get(f"/accounts/sso/{provider.slug}/start/")

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "cannot be reached" in _messages(response)


def test_a_customer_on_an_sso_domain_is_sent_to_their_organizations_provider(client, acme_sso):
    response = client.post("/accounts/sso/", {"email": "Carol@Acme.example"})

    assert response.status_code == 302
    start = urlsplit(response["Location"])
    assert start.path == "/accounts/sso/acme/start/"
    assert parse_qs(start.query)["login_hint"] == ["Carol@Acme.example"]
    authorize = client.get(response["Location"])["Location"]
    assert authorize.startswith(acme_sso.issuer + "/authorize")
    assert parse_qs(urlsplit(authorize).query)["login_hint"] == ["Carol@Acme.example"]


def test_a_customer_without_sso_is_sent_back_to_the_password_sign_in(client, acme_sso):
    response = client.post("/accounts/sso/", {"email": "someone@globex.example"})

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_sign_in_page_offers_the_configured_providers(client, staff_sso, acme_sso):
    page = client.get("/accounts/login/").content.decode()

    assert "Sign in with Corp SSO" in page
    assert 'href="/accounts/sso/corp/start/"' in page
    assert "Sign in with your organization's single sign-on" in page
    assert "Acme Login" not in page  # an organization's provider is reached through the address


def test_the_sign_in_page_offers_nothing_when_no_provider_is_configured(client, db):
    page = client.get("/accounts/login/").content.decode()

    assert "/accounts/sso/" not in page


def test_a_disabled_provider_cannot_be_started(client, staff_sso):
    staff_sso.enabled = False
    staff_sso.save()

    assert client.get("/accounts/sso/corp/start/").status_code == 404
