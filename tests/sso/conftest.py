from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from sso.models import SsoProvider
from tests.factories import OrganizationFactory
from tests.oidc_idp.fixture import PASSWORD

STAFF_ROLES = {"helpdesk-agent": "Technicians", "helpdesk-lead": "Team leads"}


def make_provider(oidc_provider, *, client_id: str, slug: str, **fields) -> SsoProvider:
    fields.setdefault("name", slug.title())
    fields.setdefault("issuer", oidc_provider.issuer)
    return SsoProvider.objects.create(
        slug=slug,
        client_id=client_id,
        client_secret=f"{client_id}-secret",
        scopes="openid email profile helpdesk",
        **fields,
    )


@pytest.fixture
def staff_sso(db, oidc_provider):
    return make_provider(
        oidc_provider,
        client_id="helpdesk-staff",
        slug="corp",
        name="Corp SSO",
        trusted_domains=["corp.example"],
        role_map=STAFF_ROLES,
        team_map={"net-ops": "Network"},
    )


@pytest.fixture
def acme(plan):
    return OrganizationFactory(name="Acme", email_domains=["acme.example"], plan=plan)


@pytest.fixture
def acme_sso(acme, oidc_provider):
    return make_provider(
        oidc_provider,
        client_id="helpdesk-acme",
        slug="acme",
        name="Acme Login",
        organization=acme,
        trusted_domains=["acme.example"],
    )


def idp_login(authorize_url: str, username: str, password: str = PASSWORD) -> str:
    """Log in on the provider's own page (a real HTTP session) and return where it sends the browser."""
    s = requests.Session()
    r = s.get(authorize_url, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text
    login_url = urljoin(authorize_url, r.headers["Location"])
    s.get(login_url, timeout=10).raise_for_status()
    r = s.post(
        login_url,
        data={
            "username": username,
            "password": password,
            "next": parse_qs(urlsplit(login_url).query)["next"][0],
            "csrfmiddlewaretoken": s.cookies["idp_csrftoken"],
        },
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 302, r.text
    r = s.get(urljoin(login_url, r.headers["Location"]), allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text
    return r.headers["Location"]


@pytest.fixture
def sso_flow(client):
    """Start a sign-in at our start URL, log in at the provider as `username`; returns the callback URL."""

    def run(provider: SsoProvider, username: str) -> str:
        start = client.get(f"/accounts/sso/{provider.slug}/start/")
        assert start.status_code == 302, start
        callback = idp_login(start["Location"], username)
        assert callback.startswith("http://testserver/accounts/sso/callback/?"), callback
        return callback

    return run
