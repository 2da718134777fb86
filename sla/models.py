"""SLA policy: priority levels, support plans, business calendars, targets, alert rules, job settings.

Deadline arithmetic lives in ``sla/calendars.py`` (pure, no ORM); ``sla/selectors.py`` turns these
rows into that arithmetic's inputs. This app imports no other app of ours.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# "#rrggbb": what a colour input sends and what the portal, desk and dashboard put in a style attribute.
HEX_COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}\Z", "Enter a colour as #rrggbb, e.g. #dc2626.")

# The one valid range of a priority rank, for the admin, the YAML import and the API alike.
RANK_MIN, RANK_MAX = 1, 1000
# "Target close" warns when this share of a target is used up, unless an alert rule says otherwise;
# a rule's share is a whole percent in this range (100 means no warning before the breach itself).
DEFAULT_WARN_PERCENT = 75
WARN_PERCENT_MIN, WARN_PERCENT_MAX = 1, 100
# The most reminders a plan may send a customer who has not answered.
CUSTOMER_REMINDERS_MAX = 1000


class PriorityLevel(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=60)
    rank = models.PositiveSmallIntegerField(
        help_text=format_lazy(_("1 is the most urgent ({min} to {max})."), min=RANK_MIN, max=RANK_MAX),
        validators=[MinValueValidator(RANK_MIN), MaxValueValidator(RANK_MAX)],
    )
    definition = models.TextField(blank=True)
    examples = models.JSONField(default=list, blank=True, help_text=_("A list of example situations."))
    colour = models.CharField(
        max_length=7,
        default="#6b7280",
        validators=[HEX_COLOUR],
        help_text=_("Hex colour, e.g. #dc2626."),
    )
    advise_phone = models.BooleanField(
        default=False, help_text=_("Tell customers to phone instead of filing (they may still file).")
    )
    is_default = models.BooleanField(default=False, help_text=_("Used when no level is given."))
    escalate_any_time = models.BooleanField(
        default=False, help_text=_("Customers may escalate at any time, not only once a target is breached.")
    )
    abuse_guarded = models.BooleanField(
        default=False,
        help_text=_(
            "Guarded against abuse: while an organization is barred, its requests at this level are "
            "filed one level lower and its open tickets drop one level."
        ),
    )

    class Meta:
        ordering = ["rank", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_priority"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def default(cls) -> "PriorityLevel | None":
        return cls.objects.filter(is_default=True).first() or cls.objects.order_by("-rank").first()


class SupportPlan(models.Model):
    class FirstResponse(models.TextChoices):
        REPLY = "reply", _("A public staff reply")
        ASSIGNMENT = "assignment", _("Prioritized and assigned to a technician (or a public staff reply)")

    class TimeTracking(models.TextChoices):
        OFF = "off", _("Not tracked")
        OPTIONAL = "optional", _("Technicians may log minutes on each reply or note")
        REQUIRED = "required", _("Every staff reply or note must log its minutes (billed by time)")

    class CustomerEdit(models.TextChoices):
        NEW_OR_BREACHED = (
            "new_or_breached",
            _("While nobody has acted on it yet, and once a target is breached"),
        )
        BREACHED = "breached", _("Only once a response target is breached")

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False)
    first_response_met_by = models.CharField(
        max_length=20,
        choices=FirstResponse.choices,
        default=FirstResponse.REPLY,
        help_text=_("What meets the first-response target."),
    )
    customer_edit = models.CharField(
        max_length=20,
        choices=CustomerEdit.choices,
        default=CustomerEdit.NEW_OR_BREACHED,
        help_text=_("When a customer may rewrite their request (subject, description, form fields)."),
    )
    time_tracking = models.CharField(
        max_length=10,
        choices=TimeTracking.choices,
        default=TimeTracking.OPTIONAL,
        help_text=_("Minutes logged on staff replies and notes, for billing by time."),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_plan"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def default(cls) -> "SupportPlan | None":
        return cls.objects.filter(is_default=True).first() or cls.objects.order_by("pk").first()


class Calendar(models.Model):
    """Business hours in one time zone; ``always_open`` means 24x7."""

    name = models.SlugField(unique=True)
    timezone = models.CharField(max_length=64, default="UTC")
    always_open = models.BooleanField(default=False)
    country_holidays = models.CharField(
        max_length=10,
        blank=True,
        help_text=_("ISO country code for public holidays (the holidays package), e.g. GB."),
    )
    country_subdivision = models.CharField(
        max_length=10, blank=True, help_text=_("Optional, e.g. ENG or CA.")
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BusinessHours(models.Model):
    """One opening interval on one weekday. ``end`` at or before ``start`` runs past midnight."""

    MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
    WEEKDAYS = [
        (0, "Monday"),
        (1, "Tuesday"),
        (2, "Wednesday"),
        (3, "Thursday"),
        (4, "Friday"),
        (5, "Saturday"),
        (6, "Sunday"),
    ]

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["calendar", "weekday", "start"]
        verbose_name_plural = _("business hours")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class Holiday(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="one_holiday_per_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


class SLATarget(models.Model):
    """One cell of the SLA table: a plan x priority pair, counted on one calendar."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="targets")
    priority = models.ForeignKey(PriorityLevel, on_delete=models.CASCADE, related_name="targets")
    first_response = models.DurationField(null=True, blank=True)
    resolution = models.DurationField(null=True, blank=True)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="targets")

    class Meta:
        ordering = ["plan", "priority__rank"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "priority"], name="one_target_per_plan_priority")
        ]
        verbose_name = _("SLA target")

    def __str__(self) -> str:
        return f"{self.plan} / {self.priority}"

    def clean(self) -> None:
        for field in ("first_response", "resolution"):
            value = getattr(self, field)
            if value is not None and value <= timedelta(0):
                raise ValidationError({field: "Must be longer than zero."})


class EscalationContact(models.Model):
    """Someone told by alert rules who may not be a user: a director, the managing director, a pager."""

    class Role(models.TextChoices):
        ENGINEER = "engineer", _("Engineer")
        ON_CALL = "on_call", _("On-call engineer")
        DUTY = "duty", _("Duty staff")
        TEAM_LEAD = "team_lead", _("Team lead")
        DIRECTOR = "director", _("Director")
        MANAGING_DIRECTOR = "managing_director", _("Managing director")
        LEADERSHIP = "leadership", _("Support leadership")

    name = models.CharField(max_length=120)
    role = models.CharField(max_length=30, choices=Role.choices)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    webhook_url = models.URLField(blank=True, help_text=_("Paging or chat webhook (JSON POST)."))
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["role", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class OnCallShift(models.Model):
    """The on-call rota: who is paged between two instants."""

    contact = models.ForeignKey(EscalationContact, on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["starts_at", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.contact} {self.starts_at:%Y-%m-%d %H:%M} - {self.ends_at:%Y-%m-%d %H:%M}"


class AlertRule(models.Model):
    """Who is told, and when, about an SLA event of a priority."""

    class Event(models.TextChoices):
        CREATED = "created", _("Ticket created")
        WARNING = "warning", _("Target close")
        BREACH = "breach", _("Target breached")
        UNASSIGNED = "unassigned", _("Still unassigned")
        ESCALATED = "escalated", _("Escalated by the customer")

    class Target(models.TextChoices):
        ANY = "any", _("Either target")
        FIRST_RESPONSE = "first_response", _("First response")
        RESOLUTION = "resolution", _("Resolution")

    class Audience(models.TextChoices):
        ON_CALL = "on_call", _("On-call rota")
        ENGINEERS = "engineers", _("All engineers")
        DUTY = "duty", _("Duty staff")
        ASSIGNEE = "assignee", _("Assignee")
        TEAM_LEADS = "team_leads", _("Team leads")
        DIRECTORS = "directors", _("Directors")
        MANAGING_DIRECTOR = "managing_director", _("Managing director")
        LEADERSHIP = "leadership", _("Support leadership")
        WEBHOOK = "webhook", _("Webhook")

    class Timing(models.TextChoices):
        ALWAYS = "always", _("At once, 24x7")
        OUT_OF_HOURS = "out_of_hours", _("Only out of office hours")
        IN_HOURS = "in_hours", _("Only in office hours (held to the next opening)")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        PAGE = "page", _("Page (webhook)")
        WEBHOOK = "webhook", _("Webhook")

    name = models.CharField(max_length=120, blank=True)
    priority = models.ForeignKey(
        PriorityLevel,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_rules",
        help_text=_("Empty means every priority."),
    )
    event = models.CharField(max_length=20, choices=Event.choices)
    target = models.CharField(max_length=20, choices=Target.choices, default=Target.ANY)
    threshold_percent = models.PositiveSmallIntegerField(
        default=DEFAULT_WARN_PERCENT,
        help_text=_("For 'target close': how much of the target is used up, in percent."),
    )
    audience = models.CharField(max_length=30, choices=Audience.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.EMAIL)
    webhook_url = models.URLField(blank=True)
    timing = models.CharField(max_length=20, choices=Timing.choices, default=Timing.ALWAYS)
    office_calendar = models.ForeignKey(
        Calendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Office hours for the timing; empty uses the ticket's SLA calendar."),
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["event", "priority__rank", "audience"]

    def __str__(self) -> str:
        return (
            self.name
            or f"{self.get_event_display()} / {self.priority or 'any'} -> {self.get_audience_display()}"
        )


class JobPolicy(models.Model):
    """Timed-job settings; the row with no plan holds the global defaults.

    Why here and not in ``tickets`` (the jobs that read it live there): these are terms of the support
    plan. The seed policies state the reminder, auto-close and reopen periods next to the response targets,
    they are measured on the plan's business calendar, and they are imported and exported with the rest of
    the plan in the SLA file (``sla/config``). ``tickets`` reads them through ``sla.selectors.job_policy_for``,
    so the arrow stays tickets -> sla; moving the model would make the SLA file import reach into tickets.
    """

    #: The settings, in the order the admin, the SLA file and the effective policy list them: one
    #: declaration for ``sla.config`` (durations are written ``4h``/``3d``), the admin and the selectors.
    DURATIONS = (
        "assignment_deadline",
        "stale_after",
        "customer_reminder_every",
        "waiting_close_after",
        "resolved_close_after",
        "reopen_window",
        "survey_valid_for",
    )
    SETTINGS = (*DURATIONS, "customer_reminder_max", "survey_enabled")

    plan = models.OneToOneField(
        SupportPlan,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="job_policy",
        help_text=_("Empty: the global defaults."),
    )
    calendar = models.ForeignKey(
        Calendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Business hours for reminders and staff deadlines."),
    )
    assignment_deadline = models.DurationField(
        null=True, blank=True, help_text=_("Unassigned longer: alert team leads (business time).")
    )
    stale_after = models.DurationField(
        null=True,
        blank=True,
        help_text=_("No staff activity this long: remind the assignee (business time)."),
    )
    customer_reminder_every = models.DurationField(
        null=True, blank=True, help_text=_("Waiting on the customer: remind every...")
    )
    customer_reminder_max = models.PositiveSmallIntegerField(null=True, blank=True)
    waiting_close_after = models.DurationField(
        null=True, blank=True, help_text=_("Close a waiting ticket after this long without an answer.")
    )
    resolved_close_after = models.DurationField(
        null=True, blank=True, help_text=_("Close a resolved ticket the customer does not answer.")
    )
    reopen_window = models.DurationField(
        null=True, blank=True, help_text=_("Replies within this window after closing reopen the ticket.")
    )
    survey_enabled = models.BooleanField(null=True, blank=True)
    survey_valid_for = models.DurationField(null=True, blank=True)

    class Meta:
        verbose_name = _("timed-job settings")
        verbose_name_plural = _("timed-job settings")

    def __str__(self) -> str:
        return f"Timed jobs: {self.plan or 'global defaults'}"
