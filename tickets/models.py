"""Tickets and everything that happens to them.

Writes go through the ``tickets/services/`` package; reads through ``tickets/selectors.py`` and the queryset in
``tickets/querysets.py``. SLA deadlines are computed by ``sla.selectors`` and stored here, so sweeps
and the queue compare indexed timestamps with ``now``.

Over 500 lines because ``Ticket``'s partial indexes each spell the exact condition of the sweep or queue
query they serve; they are kept beside the fields they index rather than split away from them.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .querysets import OPEN_STATUSES, TicketQuerySet, next_due_expression


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Channel(models.TextChoices):
    WEB = "web", _("Web portal")
    EMAIL = "email", _("Email")
    API = "api", _("API")
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Chat")
    STAFF_EMAIL = "staff_email", _("Direct email to staff")


class RequestType(models.Model):
    """An admin-defined request form: its fields and the priority levels it offers."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    fields = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            'A list of {"name", "label", "type": text|textarea|date|choice|phone_list, "required", "choices", "help"}.'
        ),
    )
    priorities = models.ManyToManyField(
        "sla.PriorityLevel", blank=True, related_name="request_types", help_text=_("Empty: every level.")
    )
    is_default = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="request_types",
        help_text=_("Tickets filed on this form go to this team (the skill the form needs)."),
    )

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_request_type"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Incident(models.Model):
    """A major incident: a public status shown on the portal banner, with tickets linked to it."""

    title = models.CharField(max_length=200)
    public_status = models.TextField(help_text=_("Shown to customers on every portal page while open."))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class IncidentUpdate(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.body[:40]}"


class Tag(models.Model):
    """A free label on tickets ("billing", "outage-2026-03"). Technicians coin tags as they work;
    admins curate the ``suggested`` ones offered first and may rename or retire a tag in one place.

    A table (with ``TicketTag`` below) rather than a PostgreSQL array: it works the same on SQLite
    (``make run``), a rename touches one row, the suggestion list needs a row per tag anyway, and
    "tickets with tag X" is an index range on ``ticket_tag_by_tag`` on either database.
    """

    name = models.CharField(max_length=50, unique=True, help_text=_("Lower case; letters, digits, - _ . :"))
    suggested = models.BooleanField(default=False, help_text=_("Offered to technicians as they type."))
    description = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="tickets"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requested_tickets"
    )
    cc = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="cc_tickets")
    cc_emails = models.JSONField(
        default=list, blank=True, help_text=_("Addresses copied on the thread by email.")
    )
    subject = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    request_type = models.ForeignKey(
        RequestType, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    request_fields = models.JSONField(default=dict, blank=True)
    priority = models.ForeignKey("sla.PriorityLevel", on_delete=models.PROTECT, related_name="tickets")
    # Denormalised from priority.rank so the queue's ORDER BY is served by one index.
    priority_rank = models.PositiveSmallIntegerField(db_index=False)
    plan = models.ForeignKey("sla.SupportPlan", on_delete=models.PROTECT, related_name="tickets")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged"
    )
    reopened_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="followups"
    )
    # Written only by ``tickets.services.tags.ticket_tags_change`` (an event per tag added or removed).
    tags = models.ManyToManyField(Tag, through="TicketTag", blank=True, related_name="tickets")

    received_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_activity_at = models.DateTimeField(
        help_text=_("Newest public activity; the customer's list sorts by it.")
    )
    last_staff_activity_at = models.DateTimeField(null=True, blank=True)
    last_customer_activity_at = models.DateTimeField(null=True, blank=True)

    # --- SLA (computed by sla.selectors, stored for indexed sweeps) ---
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    sla_paused_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Resolution clock paused since (waiting on customer).")
    )
    first_response_warned_at = models.DateTimeField(null=True, blank=True)
    resolution_warned_at = models.DateTimeField(null=True, blank=True)
    first_response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)
    # When a target is "close" (the earliest warning threshold of the alert rules), stored with the
    # deadlines so the SLA monitor compares an indexed instant with ``now`` instead of doing SLA math.
    first_response_warn_at = models.DateTimeField(null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True)

    # --- timed jobs (each a claim column: set by a conditional update before acting) ---
    unassigned_alerted_at = models.DateTimeField(null=True, blank=True)
    stale_reminded_at = models.DateTimeField(null=True, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)
    customer_reminders_sent = models.PositiveSmallIntegerField(default=0)
    customer_reminded_at = models.DateTimeField(null=True, blank=True)
    survey_sent_at = models.DateTimeField(null=True, blank=True)
    # When each timed job next acts on the ticket, computed in business time by
    # ``tickets.schedule.ticket_next_actions`` and swept through the partial indexes below, so a
    # sweep reads what is due instead of guessing candidates and deciding in Python. Null: nothing due.
    assignment_due_at = models.DateTimeField(null=True, blank=True)
    stale_due_at = models.DateTimeField(null=True, blank=True)
    customer_reminder_due_at = models.DateTimeField(null=True, blank=True)
    auto_close_due_at = models.DateTimeField(null=True, blank=True)
    actions_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Changed since its next-action instants were computed (the jobs recompute them)."),
    )

    escalated_at = models.DateTimeField(null=True, blank=True, help_text=_("Flagged for leadership."))
    close_reason = models.CharField(max_length=255, blank=True)
    # ``close_reason`` kept as a message id and values (``tickets.reasons``), so each reader reads it in
    # their language; empty for a person's own words and on rows stored before (the text is shown then).
    close_reason_kept = models.JSONField(default=dict, blank=True)
    about_incident = models.BooleanField(
        default=False, help_text=_("The customer said this is about an open incident.")
    )

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["priority_rank", "received_at", "id"]
        indexes = [
            # The technician queue: open tickets by priority, then arrival (keyset on these columns).
            models.Index(
                fields=["priority_rank", "received_at", "id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="ticket_queue_open",
            ),
            # Due-work sweeps only look at tickets whose clock is still running.
            models.Index(
                fields=["first_response_due_at"],
                condition=Q(first_responded_at__isnull=True, status__in=OPEN_STATUSES),
                name="ticket_fr_due_open",
            ),
            models.Index(
                fields=["resolution_due_at"],
                condition=Q(resolved_at__isnull=True, status__in=OPEN_STATUSES),
                name="ticket_res_due_open",
            ),
            # The desk's tab counts probe these (tickets.desk.queue.queue_counts): each reads at most
            # COUNT_CAP + 1 entries of the open tickets only, and the Mine/team tabs' rows come in queue order.
            models.Index(
                fields=["assignee", "priority_rank", "received_at", "id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="ticket_open_assignee",
            ),
            models.Index(
                fields=["team", "priority_rank", "received_at", "id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="ticket_open_team",
            ),
            models.Index(
                fields=["priority_rank", "received_at", "id"],
                condition=Q(status__in=OPEN_STATUSES, escalated_at__isnull=False),
                name="ticket_open_escalated",
            ),
            # A customer's list: keyset pages newest activity first (tickets.selectors.customer_page).
            models.Index(fields=["organization", "-last_activity_at", "-id"], name="ticket_org_activity"),
            models.Index(fields=["requester", "-last_activity_at", "-id"], name="ticket_requester_activity"),
            # The ticket page's side panel: the organization's open tickets, however long its history.
            models.Index(
                fields=["organization"], name="ticket_org_open", condition=Q(status__in=OPEN_STATUSES)
            ),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["status", "updated_at"], name="ticket_status_updated"),
            # The SLA dashboard's window (received_at >= since) and its breach list (newest arrivals first).
            models.Index(fields=["received_at", "id"], name="ticket_received"),
            # The SLA dashboard's roll-up job: which tickets changed since its last run (their days are
            # rolled up again: tickets.jobs.dashboard).
            models.Index(fields=["updated_at"], name="ticket_updated"),
            # The dashboard's re-classification ranking: the ranked organizations' tickets in the window.
            models.Index(fields=["organization", "received_at"], name="ticket_org_received"),
            # The SLA monitor's four due-work queries: each index holds only the tickets still owing
            # that event, so a pass costs what is due, not what is open (or already breached).
            models.Index(
                fields=["first_response_warn_at"],
                condition=Q(
                    first_responded_at__isnull=True,
                    first_response_warned_at__isnull=True,
                    first_response_breached_at__isnull=True,
                    status__in=OPEN_STATUSES,
                ),
                name="ticket_fr_warn_pending",
            ),
            models.Index(
                fields=["resolution_warn_at"],
                condition=Q(
                    resolved_at__isnull=True,
                    resolution_warned_at__isnull=True,
                    resolution_breached_at__isnull=True,
                    sla_paused_at__isnull=True,
                    status__in=OPEN_STATUSES,
                ),
                name="ticket_res_warn_pending",
            ),
            models.Index(
                fields=["first_response_due_at"],
                condition=Q(
                    first_responded_at__isnull=True,
                    first_response_breached_at__isnull=True,
                    status__in=OPEN_STATUSES,
                ),
                name="ticket_fr_breach_pending",
            ),
            models.Index(
                fields=["resolution_due_at"],
                condition=Q(
                    resolved_at__isnull=True,
                    resolution_breached_at__isnull=True,
                    sla_paused_at__isnull=True,
                    status__in=OPEN_STATUSES,
                ),
                name="ticket_res_breach_pending",
            ),
            # The timed jobs' due work: each index holds only the tickets the job could act on, in the
            # order a sweep reads them (instant, then id: keyset pages without a sort).
            models.Index(
                fields=["assignment_due_at", "id"],
                condition=Q(
                    status__in=["new", "open"], assignee__isnull=True, unassigned_alerted_at__isnull=True
                ),
                name="ticket_assignment_due",
            ),
            models.Index(
                fields=["stale_due_at", "id"],
                condition=Q(status__in=["new", "open"], assignee__isnull=False),
                name="ticket_stale_due",
            ),
            models.Index(
                fields=["customer_reminder_due_at", "id"],
                condition=Q(status="waiting"),
                name="ticket_reminder_due",
            ),
            models.Index(
                fields=["status", "auto_close_due_at", "id"],
                condition=Q(status__in=["waiting", "resolved"]),
                name="ticket_auto_close_due",
            ),
            models.Index(
                fields=["actions_changed_at", "id"],
                condition=Q(actions_changed_at__isnull=False),
                name="ticket_actions_changed",
            ),
            # Surveys go to recently closed tickets that have not had one.
            models.Index(
                fields=["closed_at"],
                condition=Q(status="closed", survey_sent_at__isnull=True),
                name="ticket_survey_pending",
            ),
            # The queue's "due soonest" order (keyset on this expression, then id). An ascending B-tree
            # puts NULLs last on PostgreSQL, as the query asks; SQLite cannot spell NULLS LAST in an index.
            models.Index(
                next_due_expression(),
                models.F("id"),
                condition=Q(status__in=OPEN_STATUSES),
                name="ticket_next_due_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return f"{settings.HELPDESK_TICKET_PREFIX}-{self.pk}" if self.pk else ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketTag(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="ticket_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="ticket_tags")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "tag"], name="ticket_tag_once")]
        # The unique constraint's index serves "this ticket's tags"; this one serves the queue's
        # "tickets with this tag" (an index range, then a semi-join on the ticket id).
        indexes = [models.Index(fields=["tag", "ticket"], name="ticket_tag_by_tag")]

    def __str__(self) -> str:
        return f"{self.tag_id} on {self.ticket_id}"


class Message(models.Model):
    class Kind(models.TextChoices):
        PUBLIC = "public", _("Public reply")
        INTERNAL = "internal", _("Internal note")
        SYSTEM = "system", _("System event")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PUBLIC)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_staff = models.BooleanField(default=False)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    body = models.TextField(help_text=_("Plain text."))
    # A body the desk writes itself (an intake note, the auto-close note) kept as a message id and values
    # (``tickets.reasons``), so each staff member reads it in their language; empty for a person's text.
    body_kept = models.JSONField(default=dict, blank=True)
    body_html = models.TextField(
        blank=True, help_text=_("Sanitised HTML (nh3), when the message came as HTML.")
    )
    quoted_text = models.TextField(
        blank=True, help_text=_("Quoted history separated from the new text (email).")
    )
    email_message_id = models.CharField(max_length=998, blank=True, db_index=True)
    minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Time a technician logged on this reply or note (billing).")
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name is ours, never the uploader's: nothing can escape the storage folder.
    import uuid

    return f"attachments/{instance.ticket_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=255)
    filename = models.CharField(max_length=255, help_text=_("The uploader's name, for display only."))
    content_type = models.CharField(max_length=100, help_text=_("Sniffed from the content."))
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename


class TicketEvent(models.Model):
    """Audit: every change to a ticket, and every SLA event, with who, what and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS = "status", _("Status changed")
        PRIORITY = "priority", _("Priority re-classified")
        ASSIGNEE = "assignee", _("Assignee changed")
        PLAN = "plan", _("Plan changed")
        EDITED = "edited", _("Request edited")
        MERGED = "merged", _("Merged")
        INCIDENT = "incident", _("Linked to incident")
        ESCALATED = "escalated", _("Escalated")
        SLA_DUE = "sla_due", _("SLA deadlines set")
        SLA_PAUSED = "sla_paused", _("SLA clock paused")
        SLA_RESUMED = "sla_resumed", _("SLA clock resumed")
        SLA_MET = "sla_met", _("SLA target met")
        SLA_WARNING = "sla_warning", _("SLA target close")
        SLA_BREACHED = "sla_breached", _("SLA target breached")
        REMINDER = "reminder", _("Reminder sent")
        ALERT = "alert", _("Alert sent")
        SURVEY = "survey", _("Survey")
        MAIL_WITHHELD = "mail_withheld", _("Automatic mail withheld")
        RULE = "rule", _("Automation applied")
        TAG_ADDED = "tag_added", _("Tag added")
        TAG_REMOVED = "tag_removed", _("Tag removed")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    old_value = models.CharField(max_length=255, blank=True)
    new_value = models.CharField(max_length=255, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_ticket_created"),
            # The SLA dashboard's breach reasons (re-classified, waited, reopened): tiny, and it spares
            # a scan of every event for each breach list.
            models.Index(
                fields=["ticket"],
                condition=Q(kind__in=["priority", "sla_paused"]) | Q(kind="status", reason="reopened"),
                name="event_breach_reasons",
            ),
            # The SLA dashboard's re-classification ranking reads the window's re-classifications only.
            models.Index(fields=["created_at"], condition=Q(kind="priority"), name="event_reclassified"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id}"


class CannedReply(models.Model):
    title = models.CharField(max_length=120)
    body = models.TextField(help_text=_("May use {{ ticket.reference }}, {{ requester }}, {{ agent }}."))
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = _("canned replies")

    def __str__(self) -> str:
        return self.title


class SurveyResponse(models.Model):
    """One per ticket: created when the survey is sent, answered once through its signed link."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="survey")
    token_hash = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    rating = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("1 (poor) to 5 (excellent).")
    )
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Survey for {self.ticket_id}"


class InboundEmail(models.Model):
    """Every inbound mail we accepted, keyed for idempotency; kept even when it made no ticket."""

    class Outcome(models.TextChoices):
        RECEIVED = "received", _("Received (stored, waiting for a worker)")
        NEW_TICKET = "new_ticket", _("New ticket")
        REPLY = "reply", _("Reply on a ticket")
        REOPENED = "reopened", _("Reopened a ticket")
        HELD = "held", _("Held for staff")
        IGNORED_AUTO = "ignored_auto", _("Ignored: automatic mail")
        BOUNCE = "bounce", _("Bounce / delivery report")
        REJECTED = "rejected", _("Rejected")
        RELEASED = "released", _("Held, then released by staff")
        FAILED = "failed", _("Failed (kept for retry)")

    dedupe_key = models.CharField(
        max_length=255, unique=True, help_text=_("Message-ID + sender + content digest, or a content hash.")
    )
    message_id = models.CharField(max_length=998, blank=True)
    sender = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    received_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    detail = models.TextField(blank=True)
    # What ``detail`` says, part by part, kept as message ids and values (``tickets.reasons``) so staff read
    # why a mail was held in their own language; empty on rows stored before (``detail`` is shown then).
    notes = models.JSONField(default=list, blank=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_emails"
    )
    raw = models.FileField(upload_to="inbound/%Y/%m/", blank=True, max_length=255)
    raw_sha256 = models.CharField(
        max_length=64, blank=True, db_index=True, help_text=_("Of the bytes as received.")
    )
    message_id_collision = models.BooleanField(
        default=False,
        help_text=_("Another mail with this Message-ID but a different sender or content came first."),
    )
    attempts = models.PositiveSmallIntegerField(default=0, help_text=_("Automatic retries so far."))
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the retry job takes it again.")
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["message_id"], name="inbound_message_id", condition=~Q(message_id="")),
            models.Index(
                fields=["next_attempt_at"],
                name="inbound_retry_due",
                condition=Q(next_attempt_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"


class SenderHold(models.Model):
    """An unknown address that claimed an organization (``Customer #``) from outside its domain list.

    The ticket is filed for triage under that organization, but the sender is not a member until staff
    accept them; until then they see only their own tickets.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for staff")
        ACCEPTED = "accepted", _("Accepted as a member")
        REJECTED = "rejected", _("Rejected")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sender_holds")
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="sender_holds"
    )
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"],
                condition=Q(state="pending"),
                name="one_pending_hold_per_sender",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.email} claims {self.organization}"


class FilingKey(models.Model):
    """One ticket per filing attempt: a new-ticket form's one-time token or an API client's
    ``Idempotency-Key``, per person. The unique constraint makes a repeat (the Back button, a retried
    request, a second process) find the first ticket instead of filing another."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=300)
    fingerprint = models.CharField(
        max_length=64, blank=True, help_text=_("The request's hash; empty for forms.")
    )
    ticket = models.ForeignKey(Ticket, null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="filing_key_once_per_user")]

    def __str__(self) -> str:
        return f"{self.key} -> {self.ticket_id}"


class TicketSearch(models.Model):
    """A ticket's full-text search documents, one row per ticket, kept beside the ticket so its table stays
    narrow. ``public_document``: what the ticket's customers may read (subject, requester and organization,
    form fields, public messages, their attachments' names); ``staff_document``: that plus internal notes
    and their files.

    Written only by the database (PostgreSQL triggers in migration ``0014_ticket_search``, which call
    ``helpdesk_ticket_search_refresh``), so every writer keeps it right: the services, a bulk ``UPDATE``
    of a merge, an erasure, an admin rename. Read by ``tickets.search``. Empty on SQLite, where search is
    a plain scan.
    """

    ticket = models.OneToOneField(
        Ticket,
        primary_key=True,
        # The row follows its ticket by trigger; no constraint, so Django's delete never orders the two.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search",
    )
    public_document = SearchVectorField(null=True)
    staff_document = SearchVectorField(null=True)

    def __str__(self) -> str:
        return f"Search document of {self.ticket_id}"


class SavedView(models.Model):
    """A queue filter and order a technician saved by name: their own, or shared with one of their teams.

    ``query`` is the queue's own query string (``view=mine&tag=billing``) as ``QueueFilters`` spells it
    after parsing, so it holds only what a person could have typed in the filter form
    (``tickets.services.saved_views`` checks that before it writes). Order: a person's own views by
    ``position``, then those their teams share (``tickets.selectors.saved_views_for``).
    """

    name = models.CharField(max_length=60)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # a team that goes leaves its views to their owners, unshared
        related_name="saved_views",
        help_text=_("Shared with this team's members (empty: only its owner)."),
    )
    query = models.CharField(max_length=500, blank=True)
    sort = models.CharField(max_length=16, default="priority")
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [
            models.Index(fields=["owner", "position"], name="saved_view_owner_order"),
            models.Index(fields=["team", "position"], name="saved_view_team_order"),
        ]

    def __str__(self) -> str:
        return self.name


class DashboardCells(models.Model):
    """The figures of one roll-up cell, a day's (``DashboardDay``) or a week's (``DashboardWeek``):
    ``tickets.dashboard`` says what each means and how exact it is (``COUNT_NAMES`` are the counts)."""

    tickets = models.PositiveIntegerField(default=0)
    fr_with_target = models.PositiveIntegerField(default=0)
    fr_met = models.PositiveIntegerField(default=0)
    fr_breached = models.PositiveIntegerField(default=0)  # breached at ``computed_at``
    res_with_target = models.PositiveIntegerField(default=0)
    res_met = models.PositiveIntegerField(default=0)
    res_breached = models.PositiveIntegerField(default=0)
    # ``{"fr": [...], "res": [...]}``: epoch seconds of the clocks still running at ``computed_at`` that
    # run out within ``tickets.dashboard.RUNNING_HORIZON`` (the others stay pending until the day's
    # ``valid_until``); a week's: its days' together.
    dues = models.JSONField(default=dict)
    # ``{"fr": [...], "res": [...]}``: the duration histograms, ``[bucket, tickets, bucket, tickets, ...]``
    # (``tickets.dashboard.bucket``); a week's: its days' added.
    hist = models.JSONField(default=dict)

    class Meta:
        abstract = True


class DashboardDay(DashboardCells):
    """One cell of the SLA dashboard's daily roll-up: the tickets received on ``day`` (UTC) of one plan and
    priority, as they stood at ``DashboardRolledDay.computed_at``. Written only by
    ``tickets.jobs.dashboard``; read by ``tickets.dashboard`` (which says what each column means and how
    exact it is). No organization: a day has at most plans x priorities rows, whatever the volume."""

    day = models.DateField()
    plan = models.ForeignKey("sla.SupportPlan", on_delete=models.CASCADE, related_name="+")
    priority = models.ForeignKey("sla.PriorityLevel", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "plan", "priority"], name="dashboard_day_cell")]

    def __str__(self) -> str:
        return f"{self.day} plan {self.plan_id} priority {self.priority_id}"


class DashboardWeek(DashboardCells):
    """One ISO week (``week``: its Monday) of one plan and priority: the sums of its days' ``DashboardDay``
    cells (counts added, kept running dues put together, histograms added), kept by the roll-up job with
    the days. A window reads one of these per whole week whose days are all still valid instead of seven
    day rows, so a year's window reads about as many rows as two months'.

    A row without a plan is a running total of one priority: its ``hist`` is the sum of that priority's
    histograms over every week up to this one (its counts stay zero), so a window's histograms are the
    difference of two such rows, whatever its length (``tickets.dashboard.window_cells``)."""

    week = models.DateField()
    plan = models.ForeignKey("sla.SupportPlan", on_delete=models.CASCADE, related_name="+", null=True)
    priority = models.ForeignKey("sla.PriorityLevel", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["week", "plan", "priority"],
                condition=Q(plan__isnull=False),
                name="dashboard_week_cell",
            ),
            models.UniqueConstraint(
                fields=["week", "priority"], condition=Q(plan__isnull=True), name="dashboard_week_total"
            ),
        ]

    def __str__(self) -> str:
        what = f"plan {self.plan_id}" if self.plan_id else "running total"
        return f"week of {self.week} {what} priority {self.priority_id}"


class DashboardRolledDay(models.Model):
    """A day whose ``DashboardDay`` rows are complete (a day without tickets has no rows, but has this).
    ``valid_until``: the rows hold until then (a clock still running beyond the horizon); null: for good,
    until one of the day's tickets changes."""

    day = models.DateField(primary_key=True)
    computed_at = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.day} (computed {self.computed_at:%Y-%m-%d %H:%M})"


class DashboardSnapshot(models.Model):
    """A figure the roll-up job keeps as of its last run: ``backlog`` (open tickets per age bucket and
    priority) and ``changes`` (up to when changed tickets were rolled up again)."""

    name = models.CharField(max_length=20, primary_key=True)
    computed_at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.name} as of {self.computed_at:%Y-%m-%d %H:%M}"
