"""Start and finish a single sign-on, and send a customer to their organization's provider."""

import logging
from urllib.parse import parse_qs, urlencode, urlsplit

from django import forms
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from . import services
from .backend import lookup, provider_settings
from .discovery import DiscoveryError, provider_metadata
from .models import SsoProvider

log = logging.getLogger(__name__)

# state -> provider slug, for the sign-ins this browser session started.
PENDING = "sso_pending"
MAX_PENDING = 10
GENERIC_FAILURE = "Single sign-on did not work. Please try again, or sign in with your password."
NOT_STARTED_HERE = "This sign-in was not started in this browser, or was already used. Please start again."


class SsoEmailForm(forms.Form):
    email = forms.EmailField(label=_("Work email address"), max_length=254)


def sso_choose(request):
    """A customer gives their address; an organization with its own provider gets them sent there."""
    form = SsoEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        provider = services.provider_for_email(email)
        if provider is not None:
            url = reverse("sso:start", args=[provider.slug])
            return redirect(f"{url}?{_query(login_hint=email, next=request.POST.get('next', ''))}")
        messages.info(
            request, _("Your organization does not use single sign-on here: sign in with your password.")
        )
        return redirect(f"{reverse('login')}?{_query(email=email)}")
    return render(request, "sso/choose.html", {"form": form, "next": request.GET.get("next", "")})


def _query(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v})


class SsoStartView(OIDCAuthenticationRequestView):
    """Send the browser to the provider (state, nonce and PKCE by mozilla-django-oidc)."""

    def __init__(self, *args, **kwargs):
        self._settings = provider_settings(None, None)
        super().__init__(*args, **kwargs)

    def get_settings(self, attr, *args):
        return lookup(self._settings, attr, *args)

    def get(self, request, slug: str):
        provider = SsoProvider.objects.enabled().filter(slug=slug).first()
        if provider is None:
            raise Http404("No such sign-in provider.")
        try:
            meta = provider_metadata(provider)
        except DiscoveryError as exc:
            log.warning("sso: %s unavailable: %s", provider.slug, exc)
            messages.error(
                request,
                _("%(provider)s cannot be reached just now. Please try again later.")
                % {"provider": provider.name},
            )
            return redirect("login")
        self._settings = provider_settings(provider, meta)
        self.OIDC_OP_AUTH_ENDPOINT = meta.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = provider.client_id
        response = super().get(request)
        state = parse_qs(urlsplit(response.url).query)["state"][0]
        pending = request.session.get(PENDING, {})
        pending = dict(list(pending.items())[-(MAX_PENDING - 1) :])
        pending[state] = provider.slug
        request.session[PENDING] = pending
        return response

    def get_extra_params(self, request):
        hint = request.GET.get("login_hint", "")
        return {"login_hint": hint} if hint and len(hint) <= 254 and "@" in hint else {}


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the browser back here; only a state this session started is accepted."""

    def get_settings(self, attr, *args):
        return lookup(provider_settings(None, None), attr, *args)

    def get(self, request):
        state = request.GET.get("state", "")
        pending = request.session.get(PENDING, {})
        slug = pending.pop(state, None) if state else None
        if slug is None:
            return self._refuse(NOT_STARTED_HERE)
        request.session[PENDING] = pending
        provider = SsoProvider.objects.enabled().filter(slug=slug).first()
        if provider is None:
            return self._refuse(GENERIC_FAILURE)
        request.sso_provider = provider
        try:
            return super().get(request)
        except SuspiciousOperation as exc:
            log.warning("sso: refused a sign-in from %s: %s", provider.slug, exc)
            return self._refuse(GENERIC_FAILURE)

    def login_failure(self):
        return self._refuse(getattr(self.request, "sso_refusal", None) or GENERIC_FAILURE)

    def _refuse(self, message: str):
        messages.error(self.request, message)
        return HttpResponseRedirect(reverse("login"))
