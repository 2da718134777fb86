"""Ready-made bodies: the event as it is (Standard Webhooks JSON), a chat message (Slack, Teams) or a
page (PagerDuty Events v2, Opsgenie). Pure functions of the frozen payload and the endpoint's settings,
applied when sending, so a rotated routing key applies to retries and the log keeps no keys."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.conf import settings

from .events import EventType

RESOLVING_STATUSES = {"resolved", "closed"}


def summary(payload: dict) -> str:
    """One line a person reads first: what happened to which ticket or incident."""
    kind = str(dict(EventType.choices).get(payload["type"], payload["type"]))
    data = payload.get("data", {})
    if "ticket" in data:
        t = data["ticket"]
        line = f"[{t['reference']}] {t['priority']['name']}: {t['subject']} \u2014 {kind}"
        if data.get("target"):
            line += f" ({data['target'].replace('_', ' ')})"
        if payload["type"] == EventType.STATUS_CHANGED:
            line += f": {t['status_display']}"
        if data.get("alert", {}).get("recipients"):
            line += f" \u2192 {', '.join(data['alert']['recipients'])}"
        return line
    if "incident" in data:
        return f"Incident: {data['incident']['title']} \u2014 {kind}"
    return kind


def _link(payload: dict) -> str:
    data = payload.get("data", {})
    return (data.get("ticket") or data.get("incident") or {}).get("url", settings.SITE_URL)


def _detail(payload: dict) -> str:
    data = payload.get("data", {})
    if data.get("message"):
        return data["message"]["body"][:1500]
    if data.get("update"):
        return data["update"][:1500]
    if data.get("incident"):
        return data["incident"]["public_status"][:1500]
    return ""


def _dedup_key(payload: dict) -> str:
    data = payload.get("data", {})
    if "ticket" in data:
        return data["ticket"]["reference"]
    if "incident" in data:
        return f"incident-{data['incident']['id']}"
    return payload["type"]


def _resolves(payload: dict) -> bool:
    if payload["type"] == EventType.INCIDENT_RESOLVED:
        return True
    ticket = payload.get("data", {}).get("ticket")
    return (
        payload["type"] == EventType.STATUS_CHANGED
        and bool(ticket)
        and ticket["status"] in RESOLVING_STATUSES
    )


def _severity(payload: dict) -> str:
    """PagerDuty's four levels: a page or breach of the top priority is critical."""
    rank = payload.get("data", {}).get("ticket", {}).get("priority", {}).get("rank")
    if payload["type"] in (EventType.PAGED, EventType.SLA_BREACH, EventType.INCIDENT_OPENED):
        return "critical" if rank in (None, 1) else "error"
    if payload["type"] == EventType.SLA_WARNING:
        return "warning"
    return "info"


def _slack(payload: dict, endpoint) -> tuple[dict, dict]:
    text = summary(payload)
    detail = _detail(payload)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*<{_link(payload)}|{text}>*"}}]
    if detail:
        blocks.append({"type": "section", "text": {"type": "plain_text", "text": detail}})
    return {"text": f"{text} {_link(payload)}", "blocks": blocks}, {}


def _teams(payload: dict, endpoint) -> tuple[dict, dict]:
    body = [{"type": "TextBlock", "text": summary(payload), "weight": "Bolder", "wrap": True}]
    if detail := _detail(payload):
        body.append({"type": "TextBlock", "text": detail, "wrap": True})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": [{"type": "Action.OpenUrl", "title": "Open", "url": _link(payload)}],
    }
    return {
        "type": "message",
        "text": summary(payload),
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    }, {}


def _pagerduty(payload: dict, endpoint) -> tuple[dict, dict]:
    action = "resolve" if _resolves(payload) else "trigger"
    body = {"routing_key": endpoint.integration_key, "event_action": action, "dedup_key": _dedup_key(payload)}
    if action == "trigger":
        ticket = payload.get("data", {}).get("ticket", {})
        body["payload"] = {
            "summary": summary(payload)[:1024],
            "source": urlsplit(settings.SITE_URL).hostname or "helpdesk",
            "severity": _severity(payload),
            "timestamp": payload["timestamp"],
            "component": "helpdesk",
            "group": ticket.get("organization", {}).get("name", ""),
            "class": payload["type"],
            "custom_details": payload["data"],
        }
        body["links"] = [{"href": _link(payload), "text": "Open in the helpdesk"}]
    return body, {}


def _opsgenie(payload: dict, endpoint) -> tuple[dict, dict]:
    severity = _severity(payload)
    priority = {"critical": "P1", "error": "P2", "warning": "P3"}.get(severity, "P5")
    details = {"type": payload["type"], "url": _link(payload)}
    ticket = payload.get("data", {}).get("ticket")
    if ticket:
        details.update(
            ticket=ticket["reference"], priority=ticket["priority"]["name"], status=ticket["status"]
        )
    return {
        "message": summary(payload)[:130],
        "alias": _dedup_key(payload),
        "description": (_detail(payload) or summary(payload))[:15000],
        "priority": priority,
        "source": "helpdesk",
        "tags": [payload["type"]],
        "details": details,
    }, {"Authorization": f"GenieKey {endpoint.integration_key}"}


def _standard(payload: dict, endpoint) -> tuple[dict, dict]:
    return payload, {}


FORMATS = {
    "standard": _standard,
    "slack": _slack,
    "teams": _teams,
    "pagerduty": _pagerduty,
    "opsgenie": _opsgenie,
}


def render(endpoint, payload: dict) -> tuple[bytes, dict[str, str]]:
    """The body bytes (what is signed) and any headers the format needs."""
    body, headers = FORMATS[endpoint.format](payload, endpoint)
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode(), headers
