"""OAuth2 for mailboxes whose provider turned off passwords (Microsoft 365, Google): the admin's consent
flow, and the access token refreshed before it expires. requests-oauthlib speaks the protocol; this module
only knows each provider's endpoints and where the tokens are kept (the mailbox row)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from requests_oauthlib import OAuth2Session

from .models import Mailbox

REFRESH_MARGIN = timedelta(minutes=5)  # refresh a token this long before it expires: a fetch takes time
TIMEOUT = 20


class OAuthError(Exception):
    """The provider refused or could not be reached; the message is the provider's, for the admin."""


@dataclass(frozen=True)
class Endpoints:
    authorize_url: str
    token_url: str
    scope: list[str]
    extra: dict  # what the provider needs on the consent URL to hand out a refresh token


def endpoints(mailbox: Mailbox) -> Endpoints:
    if mailbox.oauth_provider == Mailbox.Provider.MICROSOFT:
        base = f"https://login.microsoftonline.com/{mailbox.oauth_tenant or 'common'}/oauth2/v2.0"
        return Endpoints(
            f"{base}/authorize",
            f"{base}/token",
            [
                "https://outlook.office.com/IMAP.AccessAsUser.All",
                "https://outlook.office.com/SMTP.Send",
                "offline_access",
            ],
            {},
        )
    if mailbox.oauth_provider == Mailbox.Provider.GOOGLE:
        return Endpoints(
            "https://accounts.google.com/o/oauth2/v2/auth",
            "https://oauth2.googleapis.com/token",
            ["https://mail.google.com/"],
            {"access_type": "offline", "prompt": "consent"},
        )
    if not (mailbox.oauth_authorize_url and mailbox.oauth_token_url):
        raise OAuthError("Choose a provider, or enter the authorize and token URLs.")
    return Endpoints(mailbox.oauth_authorize_url, mailbox.oauth_token_url, mailbox.oauth_scope.split(), {})


def consent_url(mailbox: Mailbox, *, redirect_uri: str) -> tuple[str, str]:
    """Where to send the admin to grant access, and the state to check on the way back."""
    ends = endpoints(mailbox)
    session = OAuth2Session(mailbox.oauth_client_id, redirect_uri=redirect_uri, scope=ends.scope)
    return session.authorization_url(ends.authorize_url, login_hint=mailbox.username, **ends.extra)


def token_store(mailbox: Mailbox, token: dict, *, now: datetime) -> None:
    """Keep what the provider returned; a refresh that returns no new refresh token keeps the old one."""
    mailbox.oauth_access_token = token["access_token"]
    mailbox.oauth_refresh_token = token.get("refresh_token") or mailbox.oauth_refresh_token
    expires_in = token.get("expires_in")
    mailbox.oauth_expires_at = now + timedelta(seconds=int(expires_in)) if expires_in else None
    Mailbox.objects.filter(pk=mailbox.pk).update(
        oauth_access_token=mailbox.oauth_access_token,
        oauth_refresh_token=mailbox.oauth_refresh_token,
        oauth_expires_at=mailbox.oauth_expires_at,
    )


def token_from_consent(
    mailbox: Mailbox, *, redirect_uri: str, authorization_response: str, state: str, now: datetime
) -> None:
    """The provider sent the admin back with a code: exchange it for tokens and keep them."""
    ends = endpoints(mailbox)
    session = OAuth2Session(mailbox.oauth_client_id, redirect_uri=redirect_uri, state=state, scope=ends.scope)
    try:
        token = session.fetch_token(
            ends.token_url,
            authorization_response=authorization_response,
            client_secret=mailbox.oauth_client_secret,
            include_client_id=True,
            timeout=TIMEOUT,
        )
    except Exception as exc:  # oauthlib's errors, requests' connection errors: all mean "no token"
        raise OAuthError(f"{exc.__class__.__name__}: {exc}") from exc
    token_store(mailbox, token, now=now)


def access_token(mailbox: Mailbox, *, now: datetime) -> str:
    """A token good for the next few minutes: the stored one, or a fresh one from the refresh token."""
    if (
        mailbox.oauth_access_token
        and mailbox.oauth_expires_at is not None
        and mailbox.oauth_expires_at > now + REFRESH_MARGIN
    ):
        return mailbox.oauth_access_token
    if not mailbox.oauth_refresh_token:
        raise OAuthError("No OAuth2 token: an admin must grant access (Mailboxes > Connect with OAuth2).")
    ends = endpoints(mailbox)
    session = OAuth2Session(mailbox.oauth_client_id, scope=ends.scope)
    try:
        token = session.refresh_token(
            ends.token_url,
            refresh_token=mailbox.oauth_refresh_token,
            client_id=mailbox.oauth_client_id,
            client_secret=mailbox.oauth_client_secret,
            timeout=TIMEOUT,
        )
    except Exception as exc:
        raise OAuthError(f"token refresh failed: {exc.__class__.__name__}: {exc}") from exc
    token_store(mailbox, token, now=now)
    return mailbox.oauth_access_token
