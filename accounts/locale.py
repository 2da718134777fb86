"""Which language and time zone a person reads in, decided once.

The web middleware (``accounts.middleware.PersonLocaleMiddleware``) and outgoing mail (notifications
rendering for a recipient, account mail) all ask :func:`locale_for`. The order is the person's profile,
then their organization's default, then what the browser says (``Accept-Language`` and the zone a small
script reports in a cookie), then the site's defaults (``LANGUAGE_CODE``, ``TIME_ZONE``).
"""

from __future__ import annotations

import zoneinfo
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils import timezone, translation

# The cookie static/js/tz.js writes with the browser's IANA zone name. A client can write anything into
# it, so it is only a hint: a name that is not a known zone is ignored.
ZONE_COOKIE = "hd_tz"


@dataclass(frozen=True)
class PersonLocale:
    language: str
    time_zone: str

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(_zone_names())]


def valid_zone(name: str | None) -> str | None:
    """``name`` if it is a known IANA zone, else None (never trust a cookie's word)."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        return None
    if name == "UTC" or name in _zone_names():
        return name
    return None


def supported_language(code: str | None) -> str | None:
    """The configured language that ``code`` asks for ("de-AT" -> "de"), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def locale_for(
    user=None, *, browser_language: str | None = None, browser_zone: str | None = None
) -> PersonLocale:
    """The one answer to "which language and time zone for this person?".

    ``user`` may be None or anonymous (a visitor, or mail to an address without an account).
    """
    person = user if user is not None and getattr(user, "is_authenticated", False) else None
    org = getattr(person, "organization", None) if person is not None else None
    language = (
        supported_language(getattr(person, "language", ""))
        or supported_language(getattr(org, "default_language", ""))
        or supported_language(browser_language)
        or settings.LANGUAGE_CODE
    )
    zone = (
        valid_zone(getattr(person, "time_zone", ""))
        or valid_zone(browser_zone)
        or valid_zone(getattr(org, "default_time_zone", ""))
        or settings.TIME_ZONE
    )
    return PersonLocale(language=language, time_zone=zone)


def activate_for_request(request, user) -> PersonLocale:
    """Activate ``user``'s language and zone for the rest of this request (the middleware puts them back
    when it ends). The web middleware calls it once the session is read; the API's token authentication
    again once the token names its person (DRF authenticates after every middleware has run)."""
    from urllib.parse import unquote

    if not hasattr(request, "BROWSER_LANGUAGE_CODE"):  # what LocaleMiddleware read from Accept-Language
        request.BROWSER_LANGUAGE_CODE = getattr(request, "LANGUAGE_CODE", None)
    chosen = locale_for(
        user,
        browser_language=request.BROWSER_LANGUAGE_CODE,
        browser_zone=unquote(request.COOKIES.get(ZONE_COOKIE, "")),  # tz.js URL-encodes the "/"
    )
    translation.activate(chosen.language)
    timezone.activate(chosen.zone)
    request.LANGUAGE_CODE = chosen.language
    request.TIME_ZONE = chosen.time_zone
    return chosen


@contextmanager
def rendering_for(user=None):
    """Render (mail, exports) in ``user``'s language and zone, then put back what was active."""
    chosen = locale_for(user)
    with translation.override(chosen.language), timezone.override(chosen.zone):
        yield chosen


# --- exports (CSV) ----------------------------------------------------------------------------------
# A CSV a person downloads speaks like the page: headers in their language, instants on their wall clock
# with the zone named once, in the header ("Received (America/New_York)"). A streamed export runs after
# the request's language and zone are put back, so the view takes both first (``export_locale``).

EXPORT_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def export_locale() -> PersonLocale:
    """The language and zone active now (the reader's, in a request), to word a streamed export with."""
    return PersonLocale(
        language=translation.get_language() or settings.LANGUAGE_CODE,
        time_zone=timezone.get_current_timezone_name(),
    )


def export_time(moment, zone: zoneinfo.ZoneInfo) -> str:
    """An instant on ``zone``'s wall clock, as spreadsheets read it ("" for none)."""
    return moment.astimezone(zone).strftime(EXPORT_TIME_FORMAT) if moment else ""


def zoned_header(column: str, zone_name: str) -> str:
    """A time column's header naming the zone its times are in: "Received (Europe/Berlin)"."""
    return translation.gettext("%(column)s (%(zone)s)") % {"column": column, "zone": zone_name}
