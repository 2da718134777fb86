"""Macros (a bundle of changes a technician applies in one click) and rules (changes the desk makes by
itself when something happens to a ticket). One table per kind; conditions and actions are columns, so a
rule is read with its event's index and evaluated in memory (no query per condition)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tickets.policy import TicketError, tag_name


def tag_list(text: str) -> list[str]:
    """The tag names of a comma-separated column, as stored (already spelled by ``tag_name``)."""
    return [t for t in (text or "").split(",") if t]


def _tags_clean(obj, *fields: str) -> None:
    """Spell each tag column the way tickets store tags (``tickets.policy.tag_name``), or say which is wrong."""
    errors = {}
    for field in fields:
        try:
            names = [tag_name(t) for t in (getattr(obj, field) or "").split(",") if t.strip()]
        except TicketError as exc:
            errors[field] = str(exc)
        else:
            setattr(obj, field, ",".join(dict.fromkeys(names)))
    if errors:
        raise ValidationError(errors)


TAGS_HELP = _("Comma-separated tag names (a new name makes a new tag).")


class Macro(models.Model):
    class Scope(models.TextChoices):
        PERSONAL = "personal", _("Only its owner")
        TEAM = "team", _("The team's members")
        GLOBAL = "global", _("Every technician")

    class Reply(models.TextChoices):
        NONE = "", _("No message")
        PUBLIC = "public", _("Public reply")
        INTERNAL = "internal", _("Internal note")

    name = models.CharField(max_length=120)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.GLOBAL)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="macros"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="macros"
    )
    reply = models.CharField(max_length=10, choices=Reply.choices, blank=True, default=Reply.NONE)
    body = models.TextField(
        blank=True,
        help_text=_("May use {{ ticket.reference }}, {{ requester }}, {{ agent }} (plain replacement)."),
    )
    set_status = models.CharField(
        max_length=16,
        blank=True,
        choices=[("waiting", _("Waiting on customer")), ("resolved", _("Resolved"))],
        help_text=_("Then set the status (empty: leave it)."),
    )
    set_priority = models.ForeignKey(
        "sla.PriorityLevel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    priority_reason = models.CharField(
        max_length=255, blank=True, help_text=_("Told to the customer; required with a priority.")
    )
    assign_to_me = models.BooleanField(
        default=False, help_text=_("Assign the ticket to whoever applies the macro.")
    )
    set_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    add_tags = models.CharField(max_length=255, blank=True, help_text=TAGS_HELP)
    remove_tags = models.CharField(max_length=255, blank=True, help_text=TAGS_HELP)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["scope", "active"], name="macro_scope_active")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """What the admin and the desk's editor both check (their forms call this)."""
        _tags_clean(self, "add_tags", "remove_tags")
        errors = {}
        if self.scope == self.Scope.PERSONAL and self.owner_id is None:
            errors["owner"] = gettext("A personal macro has an owner.")
        if self.scope == self.Scope.TEAM and self.team_id is None:
            errors["team"] = gettext("A team's macro names its team.")
        if self.set_priority_id and not self.priority_reason.strip():
            errors["priority_reason"] = gettext("Say why the priority changes: the customer is told.")
        if self.reply and not self.body.strip():
            errors["body"] = gettext("Write the reply or note, or choose no message.")
        if errors:
            raise ValidationError(errors)


class Rule(models.Model):
    """When ``event`` happens to a ticket that meets every set condition, apply the actions, in
    ``position`` order; ``stop`` ends the evaluation for this event after this rule."""

    class Event(models.TextChoices):
        CREATED = "created", _("Ticket created")
        CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
        STAFF_REPLIED = "staff_replied", _("Staff replied")
        STATUS_CHANGED = "status_changed", _("Status changed")
        SLA_WARNING = "sla_warning", _("SLA warning")
        SLA_BREACH = "sla_breach", _("SLA breach")

    class Hours(models.TextChoices):
        ANY = "", _("Any time")
        INSIDE = "inside", _("Inside business hours")
        OUTSIDE = "outside", _("Outside business hours")

    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    event = models.CharField(max_length=20, choices=Event.choices)
    stop = models.BooleanField(default=False, help_text=_("Evaluate no later rule for this event."))
    # --- conditions (empty: any) ---
    channel = models.CharField(max_length=16, blank=True)
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    plan = models.ForeignKey(
        "sla.SupportPlan", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    priority = models.ForeignKey(
        "sla.PriorityLevel", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    request_type = models.ForeignKey(
        "tickets.RequestType", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    request_fields = models.JSONField(
        default=dict,
        blank=True,
        help_text=_('Request-form answers that must match, e.g. {"product": "SIP trunk"}.'),
    )
    words = models.CharField(
        max_length=255,
        blank=True,
        help_text=_(
            "Any of these words or phrases (comma-separated) in the subject or the new text, not negated "
            "in its own clause (the matcher the escalate keyword uses)."
        ),
    )
    has_tag = models.CharField(max_length=50, blank=True, help_text=_("The ticket carries this tag."))
    hours = models.CharField(max_length=10, choices=Hours.choices, blank=True, default=Hours.ANY)
    calendar = models.ForeignKey(
        "sla.Calendar",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The business hours for the condition above (empty: the ticket's own SLA calendar)."),
    )
    # --- actions ---
    set_priority = models.ForeignKey(
        "sla.PriorityLevel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assign_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"is_staff": True},
    )
    apply_macro = models.ForeignKey(Macro, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notify_emails = models.JSONField(default=list, blank=True, help_text=_("Addresses told by email."))
    webhook_url = models.URLField(blank=True, help_text=_("Called with the ticket (JSON POST)."))
    add_tags = models.CharField(max_length=255, blank=True, help_text=TAGS_HELP)
    remove_tags = models.CharField(max_length=255, blank=True, help_text=TAGS_HELP)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["event", "active", "position"], name="rule_event_order")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        _tags_clean(self, "has_tag", "add_tags", "remove_tags")
        if "," in self.has_tag:
            raise ValidationError({"has_tag": gettext("Name one tag.")})
