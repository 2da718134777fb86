"""Single sign-on in Chromium through a real OpenID provider's login page (tests/oidc_idp)."""

import pytest
from playwright.sync_api import expect

from accounts.models import Team, User
from sso.models import SsoProvider
from tests.factories import CustomerFactory, OrganizationFactory
from tests.oidc_idp.fixture import PASSWORD
from tickets.services import ticket_create


@pytest.fixture
def idp(oidc_provider, live_server):
    oidc_provider.allow_redirect(f"{live_server.url}/accounts/sso/callback/")
    return oidc_provider


def _provider(idp, client_id: str, **fields) -> SsoProvider:
    return SsoProvider.objects.create(
        issuer=idp.issuer,
        client_id=client_id,
        client_secret=f"{client_id}-secret",
        scopes="openid email profile helpdesk",
        **fields,
    )


def _log_in_at_the_provider(page, username: str) -> None:
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in to the provider").click()


def test_a_staff_member_signs_in_with_the_provider_and_lands_on_the_desk_in_their_team(page, shot, idp, plan):
    _provider(
        idp,
        "helpdesk-staff",
        name="Corp SSO",
        slug="corp",
        trusted_domains=["corp.example"],
        role_map={"helpdesk-agent": "Technicians"},
        team_map={"net-ops": "Network"},
    )
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with Corp SSO").click()
    _log_in_at_the_provider(page, "alice")
    page.wait_for_url("**/desk/**")
    shot("desk")

    alice = User.objects.get(email="alice@corp.example")
    assert alice.is_staff and [g.name for g in alice.groups.all()] == ["Technicians"]
    assert [t.name for t in alice.teams.all()] == ["Network"]
    assert Team.objects.get(name="Network").members.filter(pk=alice.pk).exists()


def test_a_customer_is_sent_to_their_organizations_provider_and_sees_only_its_tickets(
    page, shot, idp, live_server, plan, priorities, now
):
    acme = OrganizationFactory(name="Acme", email_domains=["acme.example"], plan=plan)
    globex = OrganizationFactory(name="Globex", email_domains=["globex.example"], plan=plan)
    _provider(
        idp,
        "helpdesk-acme",
        name="Acme Login",
        slug="acme",
        organization=acme,
        trusted_domains=["acme.example"],
    )
    colleague = CustomerFactory(organization=acme, email="pat@acme.example")
    stranger = CustomerFactory(organization=globex, email="sam@globex.example")
    ticket_create(requester=colleague, subject="Acme printer jammed", priority=priorities["normal"], now=now)
    ticket_create(
        requester=stranger, subject="Globex payroll question", priority=priorities["normal"], now=now
    )

    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with your organization's single sign-on").click()
    page.get_by_label("Work email address").fill("carol@acme.example")
    page.get_by_role("button", name="Continue").click()
    _log_in_at_the_provider(page, "carol")
    page.wait_for_url(f"{live_server.url}/")
    page.goto("/?scope=org")
    expect(page.get_by_text("Acme printer jammed")).to_be_visible()
    assert page.get_by_text("Globex payroll question").count() == 0
    shot("portal")

    carol = User.objects.get(email="carol@acme.example")
    assert carol.organization == acme and carol.email_verified_at is not None
