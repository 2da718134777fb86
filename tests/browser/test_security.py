"""Browser hardening in real Chromium (issue 21): two-factor set-up and sign-in as a person does it
(the code computed from the key the page shows, as an authenticator app would), and the pages working
under the Content-Security-Policy with no violation reported."""

import pytest
from django.utils import timezone

from tests.totp import totp
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db(transaction=True)

# Collects every CSP violation the page reports (the browser also logs it as a console error, which the
# page fixture fails on; this says which directive and which source).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


def _key_from_page(page) -> bytes:
    import base64

    text = page.locator("#totp-secret").inner_text().replace(" ", "")
    return base64.b32decode(text + "=" * (-len(text) % 8))


def test_staff_set_up_an_app_at_sign_in_then_sign_in_with_a_code(page, login, shot, tech, settings):
    settings.HELPDESK_REQUIRE_2FA_FOR_STAFF = True
    login(tech.email)
    assert page.url.endswith("/accounts/login/two-factor/")
    assert page.get_by_role("heading", name="Set up two-factor sign-in").is_visible()
    assert page.locator("figure.qr svg").is_visible()
    shot("setup")
    key = _key_from_page(page)
    page.get_by_role("textbox", name="Code").fill(totp(key))
    page.get_by_role("button", name="Confirm and sign in").click()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    shot("recovery-codes")
    page.get_by_role("link", name="I have saved them, continue").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/")  # staff land on the portal root, which sends them on
    page.get_by_role("button", name=f"Sign out ({tech.email})").click()

    login(tech.email)
    assert page.get_by_role("heading", name="Enter your code").is_visible()
    page.get_by_role("textbox", name="Code").fill(
        totp(key, step_offset=1)
    )  # the enrolment spent this period's code
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state("networkidle")
    page.goto("/desk/")
    assert page.url.endswith("/desk/") and page.locator("#queue-live").is_visible()
    page.get_by_role("button", name=f"Sign out ({tech.email})").click()

    login(tech.email)  # lost phone: a recovery code, once
    page.get_by_role("textbox", name="Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state("networkidle")
    assert "recovery code" in page.locator(".messages").inner_text()


def test_portal_desk_admin_and_api_docs_report_no_policy_violation(
    page, login, customer, lead, admin_user, priorities
):
    page.add_init_script(RECORD_VIOLATIONS)
    ticket = ticket_create(
        requester=customer, subject="Phones down", priority=priorities["high"], now=timezone.now()
    )
    visited = []

    def visit(path: str, ready: str = "main"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        page.locator(ready).first.wait_for()
        assert page.evaluate("window.__csp") == [], (path, page.evaluate("window.__csp"))
        visited.append(path)

    visit("/accounts/login/")
    visit("/accounts/signup/")
    login(customer.email)
    for path in (
        "/",
        "/tickets/new/",
        f"/tickets/{ticket.pk}/",
        "/accounts/profile/",
        "/accounts/profile/two-factor/?setup=1",
    ):
        visit(path)
    page.context.clear_cookies()
    login(lead.email)
    visit("/desk/", "#queue-live")
    visit(f"/desk/tickets/{ticket.pk}/")
    visit("/desk/tickets/new/")
    visit("/desk/dashboard/", "body[data-charts-ready=yes]")
    visit("/api/docs/", ".swagger-ui .info")
    page.context.clear_cookies()
    login(admin_user.email)
    visit("/admin/", "#content")
    visit("/admin/sla/supportplan/", "#content")
    visit("/desk/audit/")
    assert len(visited) == 15
