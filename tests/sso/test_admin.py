"""The admin configures providers; the client secret never goes back to the browser."""

import pytest

from sso.models import SsoProvider

pytestmark = pytest.mark.django_db


def _provider() -> SsoProvider:
    return SsoProvider.objects.create(
        name="Corp SSO",
        slug="corp",
        issuer="https://login.corp.example",
        client_id="helpdesk",
        client_secret="s3cret-value",
        trusted_domains=["corp.example"],
    )


def test_the_change_form_never_shows_the_client_secret_and_an_empty_field_keeps_it(admin_client):
    provider = _provider()
    url = f"/admin/sso/ssoprovider/{provider.pk}/change/"

    assert "s3cret-value" not in admin_client.get(url).content.decode()
    response = admin_client.post(
        url,
        {
            "name": "Corp SSO",
            "slug": "corp",
            "enabled": "on",
            "issuer": "https://login.corp.example",
            "client_id": "helpdesk",
            "client_secret": "",
            "scopes": "openid email profile",
            "sign_algo": "RS256",
            "trusted_domains": '["Corp.Example"]',
            "roles_claim": "roles",
            "role_map": "{}",
            "teams_claim": "teams",
            "team_map": "{}",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    provider.refresh_from_db()
    assert provider.client_secret == "s3cret-value"
    assert provider.trusted_domains == ["corp.example"]


@pytest.mark.parametrize(
    "issuer",
    ["http://login.corp.example", "ftp://login.corp.example", "login.corp.example", "https://"],
)
def test_an_issuer_must_be_https_except_on_the_loopback_interface(issuer):
    provider = SsoProvider(name="x", slug="x", issuer=issuer, client_id="c")

    with pytest.raises(Exception, match="https"):
        provider.full_clean()


def test_a_loopback_issuer_may_use_http():
    SsoProvider(name="x", slug="x", issuer="http://127.0.0.1:8080/openid", client_id="c").full_clean()
