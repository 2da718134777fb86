"""Knowledge-base pages: the portal (read, search, suggestions, "this answered my question") and the
desk's editor. Thin: reads through ``selectors`` and ``Article.objects.visible_to``, writes through
``services``."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tickets.desk.views._common import staff_required
from tickets.models import Message, Ticket

from .forms import ArticleForm, DeflectionForm, SearchForm
from .links import article_url
from .models import Article, ArticleVersion, Category
from .selectors import (
    article_history_read,
    article_latest_version,
    article_search,
    article_suggestions,
    articles_browse,
    categories_visible,
    kb_figures,
)
from .services import (
    ArticleNotFound,
    KbError,
    article_create,
    article_edit,
    article_from_message,
    article_publish,
    article_settings_change,
    article_unpublish,
    article_viewed,
    deflection_record,
)

PAGE_SIZE = 30


# --- Portal ------------------------------------------------------------------------------------------


@require_GET
def index(request):
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    category = None
    if slug := request.GET.get("category"):
        category = get_object_or_404(Category, slug=slug)
    context = {"form": form, "query": query, "category": category}
    if query:
        context["results"] = article_search(user=request.user, query=query)
    else:
        page = Paginator(articles_browse(user=request.user, category=category), PAGE_SIZE)
        context["page"] = page.get_page(request.GET.get("page"))
        context["categories"] = list(categories_visible(user=request.user))
    return render(request, "kb/index.html", context)


@require_GET
def article(request, slug: str):
    found = get_object_or_404(Article.objects.visible_to(request.user).select_related("category"), slug=slug)
    article_viewed(article=found)
    return render(request, "kb/article.html", {"article": found})


@require_GET
def suggest(request):
    """JSON for the new-ticket form: articles matching what is typed, as the visitor may read them."""
    text = request.GET.get("q", "")[:200]
    found = article_suggestions(user=request.user, text=text)
    return JsonResponse(
        {
            "articles": [
                {"id": a.pk, "title": a.title, "url": article_url(a), "snippet": str(a.snippet)}
                for a in found
            ]
        }
    )


@login_required
@require_POST
def deflect(request):
    """ "This answered my question": recorded, and no ticket is filed."""
    form = DeflectionForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": _("Say which article answered your question.")}, status=400)
    try:
        _row, created = deflection_record(
            article_id=form.cleaned_data["article"],
            user=request.user,
            query=form.cleaned_data["q"],
            now=timezone.now(),
        )
    except KbError as exc:
        return JsonResponse({"error": str(exc)}, status=404 if isinstance(exc, ArticleNotFound) else 403)
    return JsonResponse(
        {
            "recorded": created,
            "message": _("Glad it helped. No ticket was filed."),
            "next": reverse("portal:ticket_list"),
        }
    )


# --- Desk: the editor ------------------------------------------------------------------------------


def _editable(pk: int) -> Article:
    return get_object_or_404(Article.objects.select_related("category", "live_version"), pk=pk)


@staff_required
def desk_list(request):
    articles = Article.objects.select_related("category", "live_version").defer("body_html", "body_text")
    articles = articles.order_by("-updated_at", "-id")
    latest = dict(
        ArticleVersion.objects.filter(article__in=articles.values("pk"))
        .order_by()
        .values_list("article_id")
        .annotate(n=Max("number"))
    )
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    for a in page:
        a.latest_number = latest.get(a.pk)
    figures = kb_figures(since=timezone.now() - timedelta(days=30))
    return render(request, "kb/desk_list.html", {"page": page, "figures": figures, "active": "kb"})


@staff_required
@require_GET
def desk_figures(request):
    """The dashboard's knowledge-base card, fetched after the page (its queries are not the SLA
    dashboard's)."""
    return render(request, "kb/_figures.html")


@staff_required
def desk_new(request):
    form = ArticleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = article_create(
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                category=form.cleaned_data["category"],
                audience=form.cleaned_data["audience"],
                note=form.cleaned_data["note"],
                publish="publish" in request.POST,
                by=request.user,
                now=timezone.now(),
            )
        except KbError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Article published.") if created.is_published else _("Draft saved."))
            return redirect("kb:desk_edit", created.pk)
    return render(request, "kb/desk_edit.html", {"form": form, "active": "kb"})


@staff_required
def desk_edit(request, pk: int):
    found = _editable(pk)
    latest = article_latest_version(article=found)
    initial = {
        "title": latest.title if latest else found.title,
        "body": latest.body if latest else "",
        "category": found.category,
        "audience": found.audience,
    }
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        try:
            found = article_settings_change(
                article=found,
                category=form.cleaned_data["category"],
                audience=form.cleaned_data["audience"],
                by=request.user,
                now=now,
            )
            changed = latest is None or (
                form.cleaned_data["title"] != latest.title or form.cleaned_data["body"] != latest.body
            )
            if changed:
                article_edit(
                    article=found,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                    now=now,
                )
            if "publish" in request.POST:
                article_publish(article=found, by=request.user, now=now)
        except KbError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Published.")
                if "publish" in request.POST
                else (_("Draft saved.") if changed else _("Saved.")),
            )
            return redirect("kb:desk_edit", found.pk)
    draft_pending = latest is not None and latest.published_at is None
    return render(
        request,
        "kb/desk_edit.html",
        {"form": form, "article": found, "latest": latest, "draft_pending": draft_pending, "active": "kb"},
    )


@staff_required
def desk_history(request, pk: int):
    found = _editable(pk)
    return render(
        request,
        "kb/desk_history.html",
        {"article": found, "versions": article_history_read(article=found), "active": "kb"},
    )


@staff_required
def desk_version(request, pk: int, number: int):
    found = _editable(pk)
    version = get_object_or_404(ArticleVersion.objects.select_related("author"), article=found, number=number)
    return render(request, "kb/desk_version.html", {"article": found, "version": version, "active": "kb"})


@staff_required
@require_POST
def desk_unpublish(request, pk: int):
    found = _editable(pk)
    try:
        article_unpublish(article=found, by=request.user, now=timezone.now())
    except KbError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Withdrawn: customers no longer see it."))
    return redirect("kb:desk_edit", found.pk)


@staff_required
@require_POST
def desk_from_message(request, message_id: int):
    """ "Turn this reply into an article" from the ticket page."""
    message = get_object_or_404(
        Message.objects.select_related("ticket").filter(ticket__in=Ticket.objects.visible_to(request.user)),
        pk=message_id,
    )
    try:
        draft = article_from_message(message=message, by=request.user, now=timezone.now())
    except KbError as exc:
        messages.error(request, str(exc))
        return redirect("desk:ticket_detail", message.ticket_id)
    messages.success(request, _("Draft article started from the reply: edit it, then publish."))
    return redirect("kb:desk_edit", draft.pk)


@staff_required
@require_GET
def desk_ticket_articles(request, ticket_id: int):
    """JSON for the ticket page's "insert article": what the ticket's requester may read (a link the
    customer cannot open is never offered), matching ``q`` or, without one, the ticket's subject."""
    ticket = get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related("requester", "requester__organization"),
        pk=ticket_id,
    )
    text = request.GET.get("q", "")[:200] or ticket.subject
    found = article_suggestions(user=ticket.requester, text=text)
    return JsonResponse(
        {
            "articles": [
                {
                    "id": a.pk,
                    "title": a.title,
                    "url": article_url(a, absolute=True),
                    "snippet": str(a.snippet),
                }
                for a in found
            ]
        }
    )
