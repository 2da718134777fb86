"""Admin for the knowledge base. Categories are edited freely; an article's text, versions and
published state belong to ``kb.services`` (read-only here), changed through the actions below and the
desk's editor. Who sees it (audience, plans, organizations, category) is edited here."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .links import article_url
from .models import Article, ArticleVersion, Category, Deflection, TicketLink
from .services import KbError, article_publish, article_unpublish


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


class VersionInline(admin.TabularInline):
    model = ArticleVersion
    fields = ["number", "title", "author", "created_at", "published_at", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "category", "audience", "published_at", "views", "editor"]
    list_filter = ["audience", "category", ("published_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "slug"]
    fields = [
        "title",
        "slug",
        "category",
        "audience",
        "plans",
        "organizations",
        "published_at",
        "views",
        "editor",
    ]
    readonly_fields = ["title", "published_at", "views", "editor"]
    filter_horizontal = ["plans", "organizations"]
    inlines = [VersionInline]
    actions = ["publish_latest", "unpublish"]

    def has_add_permission(self, request) -> bool:
        return False  # new articles start in the desk's editor (kb.services.article_create)

    @admin.display(description=_("Edit text"))
    def editor(self, obj) -> str:
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">editor</a> · <a href="{}">history</a>{}',
            reverse("kb:desk_edit", args=[obj.pk]),
            reverse("kb:desk_history", args=[obj.pk]),
            format_html(' · <a href="{}">live page</a>', article_url(obj)) if obj.is_published else "",
        )

    @admin.action(description=_("Publish the newest version"))
    def publish_latest(self, request, queryset):
        for obj in queryset:
            try:
                article_publish(article=obj, by=request.user, now=timezone.now())
            except KbError as exc:
                self.message_user(request, f"{obj}: {exc}", messages.ERROR)

    @admin.action(description=_("Withdraw from customers"))
    def unpublish(self, request, queryset):
        for obj in queryset:
            article_unpublish(article=obj, by=request.user, now=timezone.now())


@admin.register(Deflection)
class DeflectionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "article", "user", "organization", "query"]
    list_select_related = ["article", "user", "organization"]
    readonly_fields = ["article", "user", "organization", "query", "day", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TicketLink)
class TicketLinkAdmin(admin.ModelAdmin):
    list_display = ["created_at", "article", "ticket"]
    list_select_related = ["article", "ticket"]
    readonly_fields = ["article", "ticket", "message", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
