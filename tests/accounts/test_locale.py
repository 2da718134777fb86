"""Which language and zone a person reads in: one answer (accounts.locale.locale_for), asked by the web
middleware, the profile page and outgoing mail."""

import pytest

from accounts import services
from accounts.locale import ZONE_COOKIE, locale_for

pytestmark = pytest.mark.django_db


def test_profile_choice_beats_organization_default_beats_browser(customer, org):
    assert locale_for(customer, browser_language="fr-FR", browser_zone="Asia/Tokyo") == (
        locale_for(customer, browser_language="fr", browser_zone="Asia/Tokyo")
    )
    chosen = locale_for(customer, browser_language="fr-FR", browser_zone="Asia/Tokyo")
    assert (chosen.language, chosen.time_zone) == ("fr", "Asia/Tokyo")

    org.default_language, org.default_time_zone = "de", "Europe/Berlin"
    org.save()
    customer.refresh_from_db()
    chosen = locale_for(customer, browser_language="fr-FR", browser_zone="Asia/Tokyo")
    # The organization's language beats the browser's; the browser's zone is more personal than the org's.
    assert (chosen.language, chosen.time_zone) == ("de", "Asia/Tokyo")
    assert locale_for(customer).time_zone == "Europe/Berlin"

    customer.language, customer.time_zone = "en-gb", "America/New_York"
    chosen = locale_for(customer, browser_language="fr-FR", browser_zone="Asia/Tokyo")
    assert (chosen.language, chosen.time_zone) == ("en-gb", "America/New_York")


def test_a_visitor_reads_the_browser_language_and_the_site_zone_without_a_cookie():
    chosen = locale_for(None, browser_language="de-AT")
    assert (chosen.language, chosen.time_zone) == ("de", "UTC")
    assert locale_for(None, browser_language="pt-BR").language == "en-gb"


@pytest.mark.parametrize(
    "cookie", ["../../etc/passwd", "Mars/Olympus_Mons", "x" * 300, "", "Europe/London\n"]
)
def test_a_zone_cookie_that_is_not_a_known_zone_is_ignored(client, cookie):
    client.cookies[ZONE_COOKIE] = cookie
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert response.wsgi_request.TIME_ZONE == ("Europe/London" if cookie == "Europe/London\n" else "UTC")


def test_the_browser_zone_cookie_and_accept_language_apply_to_a_visitor(client):
    client.cookies[ZONE_COOKIE] = "America/New_York"
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr-CH,fr;q=0.9")
    assert response.wsgi_request.TIME_ZONE == "America/New_York"
    assert response["Content-Language"] == "fr"


def test_a_signed_in_persons_profile_beats_the_browser(client, customer):
    customer.language, customer.time_zone = "de", "Asia/Kolkata"
    customer.save()
    client.force_login(customer)
    client.cookies[ZONE_COOKIE] = "America/New_York"
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response["Content-Language"] == "de"
    assert response.wsgi_request.TIME_ZONE == "Asia/Kolkata"


def test_the_profile_page_saves_a_language_and_zone(client, customer):
    client.force_login(customer)
    response = client.post(
        "/accounts/profile/",
        {"full_name": "Casey", "phone": "", "language": "fr", "time_zone": "America/New_York"},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.language, customer.time_zone) == ("fr", "America/New_York")


@pytest.mark.parametrize("field,value", [("language", "xx"), ("time_zone", "Mars/Olympus_Mons")])
def test_the_profile_page_refuses_an_unknown_language_or_zone_with_a_form_error(
    client, customer, field, value
):
    client.force_login(customer)
    data = {"full_name": "Casey", "phone": "", "language": "", "time_zone": "", field: value}
    response = client.post("/accounts/profile/", data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    customer.refresh_from_db()
    assert getattr(customer, field) == ""


def test_profile_update_refuses_an_unknown_zone_whoever_calls_it(customer):
    with pytest.raises(services.AccountError):
        services.profile_update(
            user=customer, full_name="C", phone="", language="", time_zone="Nowhere/Atlantis"
        )


def test_the_zone_cookie_is_read_as_tz_js_writes_it_url_encoded(client):
    client.cookies[ZONE_COOKIE] = "America%2FNew_York"
    response = client.get("/accounts/login/")
    assert response.wsgi_request.TIME_ZONE == "America/New_York"


def test_saving_a_new_language_says_so_in_that_language(client, customer):
    client.force_login(customer)
    response = client.post(
        "/accounts/profile/",
        {"full_name": "Casey", "phone": "", "language": "de", "time_zone": ""},
        follow=True,
    )
    assert "Ihr Profil ist gespeichert." in response.content.decode()
    assert response["Content-Language"] == "de"
