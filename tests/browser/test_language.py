"""The portal in German, in real Chromium whose language is German and whose clock is in New York: the
browser's word picks the language, tz.js reports the zone, and a person's profile choice beats both."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sla.models import SLATarget
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db(transaction=True)

RECEIVED = datetime(2026, 2, 2, 7, 0, tzinfo=UTC)  # due 10:00 London = 05:00 New York (one business hour)


@pytest.fixture
def german_page(browser, live_server):
    """A German Chromium in New York, failing on any console error or failed request (as ``page``)."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        locale="de-DE",
        timezone_id="America/New_York",
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    yield page
    context.close()
    assert not errors, "browser reported errors:\n" + "\n".join(errors)


def test_a_german_customer_in_new_york_walks_the_portal(german_page, customer, plan, priorities):
    page = german_page
    customer.email_verified_at = timezone.now()
    customer.save()
    SLATarget.objects.filter(plan=plan, priority=priorities["high"]).update(first_response=timedelta(hours=1))
    ticket = ticket_create(
        requester=customer, subject="Leitung tot", priority=priorities["high"], now=RECEIVED
    )

    page.goto("/accounts/login/")  # nobody signed in: the browser's Accept-Language decides
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    page.get_by_label("E-Mail-Adresse").fill(customer.email)
    page.get_by_label("Passwort").fill("pw")
    page.get_by_role("button", name="Anmelden").click()

    expect(page.get_by_role("heading", name="Meine Tickets")).to_be_visible()
    # tz.js told the server the browser's zone; the list's deadline names London and New York.
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies.get("hd_tz") == "America%2FNew_York"
    expect(page.get_by_text("10:00 London, 05:00 Ihre Zeit").first).to_be_visible()

    page.get_by_role("link", name=ticket.reference).click()
    expect(page.get_by_role("heading", name="Unterhaltung")).to_be_visible()
    expect(page.get_by_text("Mo 2 Feb, 10:00 London, 05:00 Ihre Zeit")).to_be_visible()
    expect(page.locator("dl").get_by_text("Mo 2 Feb 2026, 02:00 EST")).to_be_visible()  # filed 07:00 UTC
    page.get_by_label("Ihre Antwort").fill("Die Hauptleitung in Köln.")
    expect(page.get_by_text("25 / 20.000 Zeichen")).to_be_visible()  # the live counter, in German
    page.get_by_role("button", name="Antwort senden").click()
    expect(page.get_by_text("Ihre Antwort wurde hinzugefügt.")).to_be_visible()

    # The profile's choice beats the browser: French, Tokyo.
    page.get_by_role("link", name="Profil").click()
    page.get_by_label("Sprache").select_option("fr")
    page.get_by_label("Zeitzone").select_option("Asia/Tokyo")
    page.get_by_role("button", name="Profil speichern").click()
    expect(page.get_by_text("Votre profil est enregistré.")).to_be_visible()
    page.get_by_role("link", name="Mes tickets").click()
    expect(page.get_by_text("10:00 London, 19:00 chez vous").first).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "fr"
