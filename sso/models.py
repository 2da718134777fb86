"""Single sign-on through OpenID Connect providers, configured in the admin.

A provider with no organization signs in staff; a provider attached to an organization signs in that
organization's customers (those whose address is on one of its email domains are sent to it). Who may
be linked to or created from a provider's answer is decided once, in ``sso.services``.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def validate_issuer(value: str) -> None:
    """HTTPS only, except on the loopback interface (a provider on the same machine, as in the tests)."""
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return
    raise ValidationError(_("The issuer must be an https:// URL (http:// only on 127.0.0.1 or localhost)."))


def _normalise_domains(value) -> list[str]:
    return sorted({str(d).strip().lower().lstrip("@") for d in value or [] if str(d).strip()})


class SsoProviderQuerySet(models.QuerySet):
    def enabled(self):
        return self.filter(enabled=True)

    def for_staff(self):
        return self.enabled().filter(organization__isnull=True)

    def for_customers(self):
        return self.enabled().filter(organization__isnull=False)


class SsoProvider(models.Model):
    class SignAlgo(models.TextChoices):
        RS256 = "RS256", _("RS256 (the provider's published keys)")
        ES256 = "ES256", _("ES256 (the provider's published keys)")
        HS256 = "HS256", _("HS256 (signed with the client secret)")

    name = models.CharField(max_length=100, help_text=_('Shown on the sign-in page: "Sign in with <name>".'))
    slug = models.SlugField(unique=True, help_text=_("Part of the sign-in URL: /accounts/sso/<slug>/start/."))
    organization = models.OneToOneField(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sso_provider",
        help_text=_(
            "Empty: this provider signs in staff. Set: it signs in this organization's customers, "
            "and customers whose address is on the organization's email domains are sent to it."
        ),
    )
    enabled = models.BooleanField(default=True)
    issuer = models.CharField(
        max_length=255,
        validators=[validate_issuer],
        help_text=_(
            "The provider's issuer; its /.well-known/openid-configuration is read for the endpoints."
        ),
    )
    client_id = models.CharField(max_length=255)
    client_secret = models.CharField(max_length=255, blank=True)
    scopes = models.CharField(max_length=255, default="openid email profile")
    sign_algo = models.CharField(max_length=8, choices=SignAlgo.choices, default=SignAlgo.RS256)
    trusted_domains = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            'Email domains this provider speaks for, e.g. ["corp.example"]. Only a verified address '
            "on one of them is accepted: to create an account, or to link an existing one."
        ),
    )
    roles_claim = models.CharField(
        max_length=100, default="roles", help_text=_("The claim that lists the person's roles.")
    )
    role_map = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            'Claim value to role. Staff: {"helpdesk-agent": "Technicians", "helpdesk-lead": "Team '
            'leads", "helpdesk-admin": "Admins"}; a staff member needs at least one. Customers: '
            '{"support-admin": "org_admin"} makes an organization admin.'
        ),
    )
    teams_claim = models.CharField(
        max_length=100, default="teams", blank=True, help_text=_("The claim that lists the person's teams.")
    )
    team_map = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            'Claim value to team name, e.g. {"net-ops": "Network"}. Membership of the mapped teams '
            "follows the provider at every sign-in; other teams are left alone."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SsoProviderQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("single sign-on provider")

    def __str__(self) -> str:
        return f"{self.name} ({self.organization or 'staff'})"

    @property
    def for_staff(self) -> bool:
        return self.organization_id is None

    def clean(self):
        self.trusted_domains = _normalise_domains(self.trusted_domains)
        if not isinstance(self.role_map, dict) or not isinstance(self.team_map, dict):
            raise ValidationError(_("The role and team maps are JSON objects: {claim value: name}."))
        if "openid" not in self.scopes.split():
            raise ValidationError({"scopes": 'The scopes must include "openid".'})

    def trusts(self, email: str) -> bool:
        domain = email.rpartition("@")[2].strip().lower()
        return bool(domain) and domain in _normalise_domains(self.trusted_domains)


class SsoIdentity(models.Model):
    """One person at one provider: the (issuer, subject) pair names them for good, whatever their
    address becomes later."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="sso_identities")
    provider = models.ForeignKey(SsoProvider, null=True, on_delete=models.SET_NULL, related_name="identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    email = models.EmailField(help_text=_("The address the provider asserted when the link was made."))
    created_at = models.DateTimeField()
    last_login_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_login_at"]
        verbose_name = _("single sign-on identity")
        verbose_name_plural = _("single sign-on identities")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_issuer_subject_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.issuer}"
