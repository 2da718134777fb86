"""The portal's door: a signed-in account whose address is not verified sees the "verify your
address" page (with a button to send a new link) instead of any page of the site, except the pages it
needs to verify, sign out or manage its account. The predicate is ``accounts.identity.is_verified``.

The page is a 200 for a GET (it is where a new account lands after signing in) and a 403 for a POST.
The API answers for itself (``accounts.api.VerifiedIdentityRequired``: a 403 with a JSON body), and the
admin keeps its own sign-in (customers are not staff, so it shows them nothing either way).
"""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation

from . import two_factor
from .identity import is_verified
from .locale import activate_for_request

# Namespaces and URL names an unverified account may still reach.
OPEN_NAMESPACES = {"accounts", "api", "admin", "anymail", "sso"}
OPEN_NAMES = {
    "login",
    "logout",
    "healthz",
    "javascript-catalog",
    "api-schema",
    "api-docs",
    "portal:survey",
    "portal:incident_banner",
}


class VerifiedIdentityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or is_verified(user):
            return None
        match = request.resolver_match
        if match is not None and (OPEN_NAMESPACES & set(match.namespaces) or match.view_name in OPEN_NAMES):
            return None
        # A page to read (200) when browsing; a refusal (403) for anything that would change something.
        status = 200 if request.method in ("GET", "HEAD") else 403
        return render(request, "accounts/verify_required.html", {"hide_verify_banner": True}, status=status)


class TwoFactorMiddleware:
    """A signed-in session of someone who needs a second factor but did not give one (signed in by a
    channel without the step, or before the rule applied to them) is signed out and sent to the step,
    which then signs them in again. The rule is ``accounts.two_factor``; this only asks it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not two_factor.session_satisfied(request):
            two_factor.pending_from_session(request, now=timezone.now())
            if not request.path.startswith("/api/"):
                return redirect(reverse("accounts:two_factor_signin"))
            # The API answers the now anonymous request itself (401/403, never the page).
        return self.get_response(request)


class PersonLocaleMiddleware:
    """Activate the language and time zone ``accounts.locale.locale_for`` chooses for this request.

    Runs after Django's ``LocaleMiddleware`` (which read ``Accept-Language``: the browser's word) and
    after authentication (the profile and the organization's default come first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        activate_for_request(request, getattr(request, "user", None))
        try:
            response = self.get_response(request)
            # Said here, before the language is put back: LocaleMiddleware only sets it if missing.
            response.headers["Content-Language"] = request.LANGUAGE_CODE  # the API may choose again
            return response
        finally:
            # Nothing of this person's language or zone outlives the request (a thread serves others next).
            timezone.deactivate()
            translation.deactivate()
