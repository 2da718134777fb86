"""anymail's tracking webhooks feed the suppression list.

The signal is anymail's public API for its webhooks (the URL is routed in helpdesk/urls.py and
guarded by ANYMAIL["WEBHOOK_SECRET"] basic auth); the rule itself lives in ``services``.
"""

from anymail.signals import tracking
from django.dispatch import receiver

from .models import Suppression
from .services import suppression_add

# Events after which mailing the address again only hurts our sender reputation.
SUPPRESS_ON = {
    "bounced": Suppression.Reason.BOUNCED,
    "rejected": Suppression.Reason.BOUNCED,
    "complained": Suppression.Reason.COMPLAINED,
    "unsubscribed": Suppression.Reason.UNSUBSCRIBED,
}


@receiver(tracking, dispatch_uid="notifications.tracking_suppress")
def tracking_suppress(sender, event, esp_name, **kwargs) -> None:
    reason = SUPPRESS_ON.get(event.event_type)
    if reason == Suppression.Reason.BOUNCED and _is_soft(event.esp_event):
        return  # a full mailbox or a greylist clears up by itself; only hard failures suppress
    if reason and event.recipient:
        detail = f"{esp_name}: {event.event_type}"
        if event.reject_reason:
            detail += f" ({event.reject_reason})"
        if event.description:
            detail += f" {event.description}"
        suppression_add(email=event.recipient, reason=reason, detail=detail)


def _is_soft(esp_event) -> bool:
    if not isinstance(esp_event, dict):
        return False
    if esp_event.get("Type") in ("SoftBounce", "Transient"):  # Postmark
        return True
    data = esp_event.get("event-data", esp_event)
    return isinstance(data, dict) and data.get("severity") == "temporary"  # Mailgun
