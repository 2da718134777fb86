"""Business rate limits for the API (not a security control: DRF's throttles are per-process cache
counters keyed on user or client IP). Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``
and are read on each request, so they can be tuned through the environment."""

from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

# Password-for-token exchanges are not here: they share the sign-in throttle (accounts.throttle).
DEFAULT_RATES = {"writes": "120/min"}


class _ScopedThrottle(SimpleRateThrottle):
    scope = ""

    def __init__(self):
        # Read the rate per request (the base class reads it once, at import).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or DEFAULT_RATES[self.scope]


class WriteThrottle(_ScopedThrottle):
    """Unsafe methods only, per signed-in user (per client IP for anonymous calls)."""

    scope = "writes"

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
