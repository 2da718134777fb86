"""The knowledge base: categories, articles, their versions, and what customers and agents did with them.

An article's text lives in ``ArticleVersion`` rows (every save is a new version, nothing is overwritten);
publishing a version copies its title and rendered body onto the ``Article`` row, which is what every
channel lists and searches. Who may read an article is decided once, in ``ArticleQuerySet.visible_to``.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from .querysets import ArticleQuerySet


class Category(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Audience(models.TextChoices):
    PUBLIC = "public", _("Everyone, signed in or not")
    CUSTOMERS = "customers", _("Signed-in customers")
    STAFF = "staff", _("Staff only")


class Article(models.Model):
    slug = models.SlugField(max_length=120, unique=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.CUSTOMERS)
    plans = models.ManyToManyField(
        "sla.SupportPlan",
        blank=True,
        related_name="+",
        help_text=_("Only customers of organizations on these plans see it (empty: every plan)."),
    )
    organizations = models.ManyToManyField(
        "accounts.Organization",
        blank=True,
        related_name="+",
        help_text=_("Also (or only, with no plan) these organizations see it."),
    )
    # What is published (copied from the live version by kb.services.article_publish; never edited here).
    live_version = models.ForeignKey(
        "ArticleVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    title = models.CharField(max_length=200, editable=False)
    body_html = models.TextField(blank=True, editable=False, help_text=_("Rendered and sanitised (nh3)."))
    body_text = models.TextField(
        blank=True, editable=False, help_text=_("Plain text, for search and snippets.")
    )
    search_vector = SearchVectorField(null=True, editable=False)  # PostgreSQL only; GIN-indexed
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(editable=False)
    updated_at = models.DateTimeField(editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    views = models.PositiveIntegerField(default=0, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["published_at", "audience"], name="kb_article_live")]

    def __str__(self) -> str:
        return self.title or self.slug

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ArticleVersion(models.Model):
    """One saved text of an article. Drafts are versions newer than the live one."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text=_("Markdown."))
    body_html = models.TextField(blank=True, help_text=_("Rendered and sanitised (nh3)."))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True, help_text=_("What changed."))
    # A note the desk writes itself ("First version", "From T-1, message 5") kept as a message id and
    # values (``tickets.reasons``), so each editor reads it in their language; empty for a person's note.
    note_kept = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="kb_version_number")]

    def __str__(self) -> str:
        return f"{self.article} v{self.number}"


class Deflection(models.Model):
    """A customer said an article answered their question instead of filing a ticket.

    Counted once per customer, article and day (a double click or a second visit is not a second
    ticket saved)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    query = models.CharField(max_length=255, blank=True, help_text=_("What they had typed as the subject."))
    day = models.DateField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["article", "user", "day"], name="kb_deflection_once_a_day")
        ]
        indexes = [models.Index(fields=["created_at"], name="kb_deflection_created")]

    def __str__(self) -> str:
        return f"{self.article_id} helped {self.user_id} on {self.day}"


class TicketLink(models.Model):
    """An article sent to a customer in a staff reply on a ticket (found in the reply's text)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="ticket_links")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["article", "ticket"], name="kb_link_once_per_ticket")]

    def __str__(self) -> str:
        return f"article {self.article_id} on ticket {self.ticket_id}"
