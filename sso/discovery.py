"""A provider's endpoints, read from its discovery document (OpenID Connect Discovery 1.0, section 4).

The document must name the same issuer we were configured with, or the provider is refused: a
document served from one address that claims to be another issuer is exactly what section 4.3 forbids.
Answers are cached for ``SSO_DISCOVERY_CACHE_SECONDS`` per issuer.
"""

from dataclasses import dataclass
from hashlib import sha256

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from .models import SsoProvider, validate_issuer


class DiscoveryError(Exception):
    """The provider's discovery document could not be read or does not describe this issuer."""


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str


ENDPOINTS = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")


def _same_issuer(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def provider_metadata(provider: SsoProvider) -> ProviderMetadata:
    key = "sso:discovery:" + sha256(provider.issuer.encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return ProviderMetadata(**cached)
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.SSO_HTTP_TIMEOUT)
        response.raise_for_status()
        doc = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise DiscoveryError(f"Could not read {url}: {exc}") from exc
    if not isinstance(doc, dict) or not _same_issuer(str(doc.get("issuer", "")), provider.issuer):
        raise DiscoveryError(f"{url} describes another issuer ({doc.get('issuer')!r}).")
    values = {name: doc.get(name) for name in ENDPOINTS}
    for name, value in values.items():
        try:
            validate_issuer(str(value or ""))  # the same https-or-loopback rule as the issuer's
        except ValidationError as exc:
            raise DiscoveryError(f"{url}: {name} {value!r} is not usable.") from exc
    meta = ProviderMetadata(issuer=str(doc["issuer"]), **values)
    cache.set(key, meta.__dict__, settings.SSO_DISCOVERY_CACHE_SECONDS)
    return meta
