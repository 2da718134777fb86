"""People and the organizations they belong to.

Customers are users linked to one organization; technicians, team leads and admins are staff users
in the groups "Technicians", "Team leads" and "Admins". Everyone signs in with an email address.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .identity import is_verified
from .locale import locale_for, valid_zone


def validate_zone(value: str) -> None:
    if value and valid_zone(value) is None:
        raise ValidationError(_("Not a known time zone (an IANA name such as Europe/London)."))


def language_codes() -> list[str]:
    """The codes a person may read in or speak: ``settings.LANGUAGES``' (en-gb, de, fr)."""
    return [code for code, _name in settings.LANGUAGES]


def validate_languages(value) -> None:
    """A list of ``settings.LANGUAGES`` codes, each once."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("A list of language codes."))
    unknown = sorted(set(value) - set(language_codes()))
    if unknown:
        raise ValidationError(
            _("Not a language this desk speaks: %(codes)s (known: %(known)s).")
            % {"codes": ", ".join(unknown), "known": ", ".join(language_codes())}
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Each language once."))


class Organization(models.Model):
    customer_number = models.CharField(
        max_length=32, unique=True, help_text=_("The 'Customer #' customers put in email subjects.")
    )
    name = models.CharField(max_length=200)
    plan = models.ForeignKey("sla.SupportPlan", on_delete=models.PROTECT, related_name="organizations")
    email_domains = models.JSONField(
        default=list, blank=True, help_text=_('Domains whose senders belong here, e.g. ["acme.example"].')
    )
    may_file_top_priority = models.BooleanField(
        default=True, help_text=_("Off when barred from the top priority after abuse.")
    )
    top_priority_barred_reason = models.TextField(blank=True)
    shares_tickets = models.BooleanField(default=True, help_text=_("Members see each other's tickets."))
    phone = models.CharField(max_length=40, blank=True)
    default_language = models.CharField(
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("For members who chose none (empty: each browser's language)."),
    )
    default_time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_zone],
        help_text=_("For members who chose none and whose browser said none, e.g. Europe/Berlin."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        # Lists by name (the desk's filter reads the first 201 to learn whether to offer a select): an
        # ordered read of a few rows, not a sort of every organization.
        indexes = [models.Index(fields=["name", "id"], name="organization_name")]

    def __str__(self) -> str:
        return f"{self.name} (#{self.customer_number})"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        email = self.normalize_email(email).lower()
        extra.setdefault("username", email)
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str):
        return self.get(email__iexact=email)

    def team_leads(self):
        """Active staff who lead: the "Team leads" and "Admins" groups and superusers (``User.is_team_lead``)."""
        return self.filter(
            Q(groups__name__in=[Role.TEAM_LEADS, Role.ADMINS]) | Q(is_superuser=True),
            is_active=True,
            is_staff=True,
        ).distinct()


class Role:
    """The staff groups, named once. Technicians work tickets; team leads also take escalations and
    abuse decisions; admins also configure the desk."""

    TECHNICIANS = "Technicians"
    TEAM_LEADS = "Team leads"
    ADMINS = "Admins"


def display_name_of(full_name: str, first_name: str, last_name: str, email: str) -> str:
    """How a person is named on every page and in every mail (``User.display_name``): their full name,
    else first and last, else their address. Lists that read these four columns as values ask this."""
    return full_name or f"{first_name} {last_name}".strip() or email


class User(AbstractUser):
    # username is kept (admin, third-party apps) but mirrors the email address.
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    is_org_admin = models.BooleanField(
        default=False, help_text=_("May invite colleagues to the organization.")
    )
    email_verified_at = models.DateTimeField(null=True, blank=True)
    available = models.BooleanField(
        default=True, help_text=_("Staff: takes new tickets (auto-assignment skips someone who is away).")
    )
    phone = models.CharField(max_length=40, blank=True)
    # Kept by accounts.two_factor's services (enrol, disable, reset): asking "does this person use a
    # second factor?" on every request then costs no query.
    two_factor_enabled = models.BooleanField(default=False, editable=False)
    # Empty: the organization's default, else the browser's (accounts.locale.locale_for decides).
    language = models.CharField(max_length=10, blank=True, choices=settings.LANGUAGES)
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_zone])
    # Staff: the languages they answer in (settings.LANGUAGES codes). A team that matches the customer's
    # language auto-assigns to a speaker of it (tickets.routing).
    languages = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_languages],
        help_text=_("Staff: the languages this person answers tickets in."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]
        indexes = [
            # The desk's people pickers list active technicians by name: a few hundred rows among what
            # may be hundreds of thousands of customers (a full scan of the users grew with them).
            models.Index(
                fields=["full_name", "email"],
                name="user_active_staff",
                condition=models.Q(is_staff=True, is_active=True),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return display_name_of(self.full_name, self.first_name, self.last_name, self.email)

    @property
    def is_verified(self) -> bool:
        """Has this account proved its address? (``accounts.identity.is_verified``)"""
        return is_verified(self)

    def reading_locale(self):
        """The language and zone this person reads in (``accounts.locale.locale_for``): what mail asks."""
        return locale_for(self)

    def in_group(self, name: str) -> bool:
        return self.is_superuser or any(g.name == name for g in self.groups.all())

    @property
    def is_team_lead(self) -> bool:
        return self.is_staff and (self.in_group(Role.TEAM_LEADS) or self.in_group(Role.ADMINS))

    @property
    def is_helpdesk_admin(self) -> bool:
        """May configure the desk (priorities, plans, calendars) through the API and the admin."""
        return self.is_active and self.is_staff and self.in_group(Role.ADMINS)


class Invitation(models.Model):
    """An organization admin invites a colleague; the token in the link is signed, single use."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} -> {self.organization}"


class Team(models.Model):
    """A group of technicians; new tickets are routed to a team (by request form, or to the team that takes
    what no form routes) and, when the team says so, handed to a member on shift automatically."""

    class AutoAssign(models.TextChoices):
        OFF = "off", _("Nobody: technicians take tickets themselves")
        ROUND_ROBIN = "round_robin", _("Round robin among the members on shift")
        LEAST_LOADED = "least_loaded", _("The member on shift with the fewest open tickets")

    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(User, related_name="teams", blank=True)
    auto_assign = models.CharField(max_length=16, choices=AutoAssign.choices, default=AutoAssign.OFF)
    max_open_per_agent = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("Auto-assignment skips a member who already owns this many open tickets."),
    )
    calendar = models.ForeignKey(
        "sla.Calendar",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "The members' working hours (empty: always). Out of hours, members on the on-call rota "
            "(matched by email) are still on shift."
        ),
    )
    receives_unrouted = models.BooleanField(
        default=False, help_text=_("New tickets that no request form routes to a team land here.")
    )
    match_language = models.BooleanField(
        default=False,
        help_text=_(
            "Auto-assignment prefers a member on shift who speaks the customer's language; when "
            "none does, it assigns among everyone on shift and the ticket's history says so."
        ),
    )
    last_assigned = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A key for ``Authorization: Token <key>``. Only a SHA-256 of the key is stored (the key is shown
    once, when issued); it expires after ``API_TOKEN_TTL_DAYS`` and its owner or an admin can revoke it.
    Issued and revoked through ``accounts.tokens``."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=8, editable=False, help_text=_("The key's first characters, to tell keys apart.")
    )
    name = models.CharField(
        max_length=100, blank=True, help_text=_("What the key is for, as its owner named it.")
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
