"""Browser hardening: a Content-Security-Policy on every HTML page, and no inline script it would need
'unsafe-inline' for (issue 21)."""

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates"] + [
    ROOT / app / "templates"
    for app in ("accounts", "tickets", "sla", "notifications", "automation", "helpdesk")
]


def _policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    return {parts[0]: parts[1:] for parts in (directive.split() for directive in header.split(";")) if parts}


def _plain_paths(resolver=None, prefix: str = "") -> list[str]:
    """Every URL of the site that takes no argument, from the URLconf itself (a new page is covered)."""
    resolver = resolver or get_resolver()
    paths = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if "<" in route or "(?P" in route or "^" in route.lstrip("^") and "(" in route:
            continue
        if isinstance(entry, URLResolver):
            paths.extend(_plain_paths(entry, route))
        elif isinstance(entry, URLPattern):
            paths.append("/" + route.lstrip("^").rstrip("$"))
    return sorted(set(paths))


def _html_pages(client) -> list:
    pages = []
    for path in _plain_paths():
        if "logout" in path or path.startswith("/anymail/"):
            continue
        response = client.get(path)
        if response.headers.get("Content-Type", "").startswith("text/html"):
            pages.append((path, response))
    return pages


@pytest.mark.parametrize("who", ["anonymous", "customer", "tech", "admin_user"])
def test_every_html_page_carries_a_policy_without_inline_script(client, db, request, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    pages = _html_pages(client)
    assert len(pages) >= 8, [p for p, _ in pages]
    for path, response in pages:
        policy = _policy(response)
        assert policy, f"{path} ({response.status_code}) has no Content-Security-Policy"
        assert "'unsafe-inline'" not in policy["script-src"], path
        assert "'unsafe-eval'" not in policy["script-src"], path
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"], path


def test_the_admin_and_swagger_pages_carry_the_policy_and_swagger_loads_its_script_from_a_file(
    client, admin_user
):
    client.force_login(admin_user)
    for path in ("/admin/", "/admin/sla/supportplan/", "/api/docs/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert _policy(response)["script-src"][0] == "'self'", path
    docs = client.get("/api/docs/").content.decode()
    assert "<script>" not in docs
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_an_inline_script_is_only_allowed_with_the_nonce_of_its_own_response(client, customer):
    from django.template import engines
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    from csp.middleware import CSPMiddleware

    middleware = CSPMiddleware(lambda r: None)
    middleware.process_request(request)
    html = (
        engines["django"]
        .from_string('<script nonce="{{ request.csp_nonce }}">1</script>')
        .render({"request": request})
    )
    from django.http import HttpResponse

    response = middleware.process_response(request, HttpResponse(html))
    nonce = re.search(r'nonce="([^"]+)"', html).group(1)
    assert f"'nonce-{nonce}'" in _policy(response)["script-src"]


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def test_no_template_has_an_inline_script_without_the_nonce_or_an_inline_event_handler():
    offenders = []
    for folder in TEMPLATE_DIRS:
        for template in folder.rglob("*.html") if folder.exists() else []:
            if "notifications" in template.parts:  # emails: never rendered by a browser as our page
                continue
            text = template.read_text()
            for match in SCRIPT_TAG.finditer(text):
                attrs = match.group(1)
                if "src=" not in attrs and "csp_nonce" not in attrs and "application/json" not in attrs:
                    offenders.append(f"{template.relative_to(ROOT)}: inline <script{attrs}>")
            for match in EVENT_HANDLER.finditer(text):
                offenders.append(f"{template.relative_to(ROOT)}: inline handler {match.group(0)[:60]}")
            if re.search(r"hx-trigger=\"[^\"]*\[", text):
                offenders.append(f"{template.relative_to(ROOT)}: htmx trigger filter (needs eval)")
    assert not offenders, "\n".join(offenders)
