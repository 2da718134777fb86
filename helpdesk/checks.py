"""``check --deploy`` fails while a secret still holds a published or placeholder value.

The compose file once fell back to a SECRET_KEY and a webhook secret printed in this repository, so any
reader could sign sessions, password-reset links and reply tokens, or post forged inbound mail. These
checks name the setting and the reason, never the value (check output ends up in CI and deploy logs).
The compose stack runs ``check --deploy`` in its one-shot ``migrate`` service, so such a stack does not
start.
"""

import re
from collections.abc import Iterator

from django.conf import settings
from django.core.checks import Error, Tags, register

# Defaults this repository has published: docker-compose.yml before issue 26, the Dockerfile's build step.
PUBLISHED = frozenset(
    {
        "change-me-in-production-please-0123456789abcdef",
        "change-me:webhook-secret",
        "webhook-secret",
        "build-only",
    }
)
# Words that mark a value someone meant to replace.
PLACEHOLDER = re.compile(
    r"change[-_ .]?me|changeit|placeholder|replace[-_ .]?(me|this|with)|your[-_ .]?(own[-_ .]?)?"
    r"(secret|key|password|token)|django-insecure|insecure|dummy|not[-_ .]?(a[-_ .]?)?secret|<[^>]+>",
    re.IGNORECASE,
)
# Whole values that are guesses, not secrets.
COMMON = frozenset(
    {
        "secret",
        "password",
        "passw0rd",
        "pass",
        "admin",
        "root",
        "demo",
        "test",
        "testing",
        "default",
        "dev",
        "development",
        "helpdesk",
        "postgres",
        "changeme",
        "letmein",
        "123456",
        "12345678",
        "qwerty",
    }
)


def placeholder_reason(value: str) -> str | None:
    """Why ``value`` cannot be a real secret, or None when nothing gives it away."""
    if value in PUBLISHED:
        return "it is a default published in this repository"
    if PLACEHOLDER.search(value):
        return "it reads like a placeholder"
    if value.strip().lower() in COMMON:
        return "it is a common word"
    if len(set(value)) < 5:
        return "it has fewer than five different characters"
    return None


def _webhook_reason(value: str) -> str | None:
    # "user:password": the password half alone must not be guessable either.
    return placeholder_reason(value) or (
        placeholder_reason(value.partition(":")[2]) if ":" in value else None
    )


def _secrets() -> Iterator[tuple[str, str, str | None, str]]:
    """(name to report, check id, why it is a placeholder, hint) for every configured secret."""
    yield (
        "SECRET_KEY",
        "helpdesk.E001",
        placeholder_reason(settings.SECRET_KEY),
        "Generate one: python -c 'import secrets; print(secrets.token_urlsafe(50))'",
    )
    for key, value in (getattr(settings, "ANYMAIL", None) or {}).items():
        reason = _webhook_reason(value) if key == "WEBHOOK_SECRET" else placeholder_reason(value)
        yield (
            f"ANYMAIL_{key}",
            "helpdesk.E002",
            reason,
            "Use a long random value (the webhook secret as 'user:' + secrets.token_urlsafe(24)) "
            "or the token your email provider issued.",
        )
    for alias, db in settings.DATABASES.items():
        password = db.get("PASSWORD") or ""
        if not password:
            continue  # peer or trust authentication: no secret to judge
        reason = placeholder_reason(password)
        if reason is None and password == db.get("USER"):
            reason = "it equals the database user name"
        yield (
            f"the password in DATABASE_URL ({alias})",
            "helpdesk.E003",
            reason,
            "Set a random database password (POSTGRES_PASSWORD in the compose stack: openssl rand -hex 24).",
        )


@register(Tags.security, deploy=True)
def secrets_are_not_placeholders(app_configs, **kwargs):
    return [
        Error(f"{name} cannot be used in production: {reason}.", hint=hint, id=check_id)
        for name, check_id, reason, hint in _secrets()
        if reason
    ]
