"""Refuse to run the inbound and tracking webhooks open.

django-anymail only *warns* (AnymailInsecureWebhookWarning) when ANYMAIL["WEBHOOK_SECRET"] is unset and
then accepts any caller: anyone could post forged inbound mail or bounces. ``check --deploy`` now fails
without the secret, and outside DEBUG every /anymail/ view answers 403 until it is set
(``anymail_urls`` wraps anymail's own URL patterns).
"""

from functools import wraps

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.http import HttpResponseForbidden
from django.urls import URLPattern


@register(Tags.security, deploy=True)
def anymail_webhook_secret(app_configs, **kwargs):
    if (getattr(settings, "ANYMAIL", None) or {}).get("WEBHOOK_SECRET"):
        return []
    return [
        Error(
            "ANYMAIL_WEBHOOK_SECRET is not set: the /anymail/ inbound and tracking webhooks would accept anyone.",
            hint="Set ANYMAIL_WEBHOOK_SECRET (e.g. 'user:long-random-password') and the same in your ESP's webhook URL.",
            id="notifications.E001",
        )
    ]


def require_webhook_secret(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not settings.DEBUG and not (getattr(settings, "ANYMAIL", None) or {}).get("WEBHOOK_SECRET"):
            return HttpResponseForbidden("Webhooks are closed: ANYMAIL_WEBHOOK_SECRET is not configured.")
        return view(request, *args, **kwargs)

    return guarded


def anymail_urls():
    """anymail's URL patterns (same names, same namespace), each refusing while no secret is set."""
    from anymail import urls

    patterns = [
        URLPattern(p.pattern, require_webhook_secret(p.callback), p.default_args, p.name)
        for p in urls.urlpatterns
    ]
    return patterns, getattr(urls, "app_name", "anymail")
