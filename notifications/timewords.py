"""A deadline in words for its reader: in the reader's zone (the active one), naming the SLA calendar's
zone too where its wall clock differs ("Mon 2 Feb, 10:00 London, 05:00 your time"). The portal, the
desk's "why is this due" and the mails (the ``due_words`` filter of ``mail_format``, applied when a mail
is rendered for its recipient) all say deadlines through ``due_words``. It lives here, in the app both
others may import, so the mails and the pages share it without ``notifications`` importing ``tickets``."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

# Weekday, day, month and time (names in the reader's language); the long form for the "we received
# your request" box.
DUE_FORMAT = "D j M, H:i"
DUE_FORMAT_LONG = "l j F, H:i"


def _place(zone_name: str) -> str:
    """ "Europe/London" -> "London", "America/New_York" -> "New York"; "UTC" stays."""
    return zone_name.rsplit("/", 1)[-1].replace("_", " ")


def due_words(moment: datetime, calendar_zone: str | None = None, *, fmt: str = DUE_FORMAT) -> str:
    """A deadline in the reader's zone (the active one); where the SLA calendar's zone shows another wall
    clock, that first, as the contract reads it: "Fri 6 Mar, 10:00 London, 05:00 your time"."""
    yours = timezone.localtime(moment)
    if calendar_zone:
        try:
            theirs = moment.astimezone(ZoneInfo(calendar_zone))
        except (ValueError, KeyError):  # a calendar saved with a zone this machine lacks: show ours only
            theirs = yours
        if theirs.replace(tzinfo=None) != yours.replace(tzinfo=None):
            same_day = theirs.date() == yours.date()
            return _("%(calendar_time)s %(place)s, %(your_time)s your time") % {
                "calendar_time": date_format(theirs, fmt),
                "place": _place(calendar_zone),
                "your_time": date_format(yours, "H:i" if same_day else fmt),
            }
    return date_format(yours, fmt + " T")
