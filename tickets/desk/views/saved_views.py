"""Saved queue views: the list (rename, share, move, delete) and "save as view" from the queue.

Every write goes through ``tickets.services.saved_views``; a view one does not see is a 404, a change
one may not make is a message saying so (the rule is ``policy.may_edit_saved_view``)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import Team

from ...policy import SAVED_VIEWS_PER_OWNER_MAX, may_edit_saved_view
from ...selectors import saved_views_for
from ...services import (
    TicketError,
    saved_view_change,
    saved_view_create,
    saved_view_delete,
    saved_view_move,
)
from ..queue import SORTS
from ._common import staff_required


def _view_for(request, pk: int):
    return get_object_or_404(saved_views_for(request.user), pk=pk)


def _team_choice(request, raw: str) -> Team | None:
    """The team picked in a form: one of my teams, or none (a private view)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not (raw.isdigit() and len(raw) < 15):
        raise TicketError(_("Choose one of your teams."))
    team = request.user.teams.filter(pk=int(raw)).first()
    if team is None:
        raise TicketError(_("Choose one of your teams."))
    return team


def _page(request, *, status: int = 200, error: str = "", form: dict | None = None):
    views = list(saved_views_for(request.user))
    rows = [(v, may_edit_saved_view(request.user, v)) for v in views]
    own = [v.pk for v in views if v.owner_id == request.user.pk]
    return render(
        request,
        "tickets/desk/saved_views.html",
        {
            "rows": rows,
            "own_first": own[0] if own else None,
            "own_last": own[-1] if own else None,
            "teams": request.user.teams.only("pk", "name"),
            "sorts": SORTS,
            "error": error,
            "form": form or {},
            "limit": SAVED_VIEWS_PER_OWNER_MAX,
        },
        status=status,
    )


@staff_required
def saved_views(request):
    """GET: the views I see. POST: save a queue filter as a new view (from the queue's "Save as view")."""
    if request.method != "POST":
        return _page(request)
    form = {k: request.POST.get(k, "") for k in ("name", "query", "team")}
    try:
        view = saved_view_create(
            owner=request.user,
            name=form["name"],
            query=form["query"],
            team=_team_choice(request, form["team"]),
        )
    except TicketError as exc:
        return _page(request, status=400, error=str(exc), form=form)
    messages.success(request, _("Saved the view “%(name)s”.") % {"name": view.name})
    return redirect(reverse("desk:queue") + f"?saved={view.pk}")


@require_POST
@staff_required
def saved_view_edit(request, pk: int):
    """Rename, change the filters or the order, share or unshare."""
    view = _view_for(request, pk)
    changes = {}
    if "name" in request.POST:
        changes["name"] = request.POST["name"]
    if "query" in request.POST:
        changes["query"] = request.POST["query"]
    if "sort" in request.POST:
        changes["sort"] = request.POST["sort"]
    try:
        if "team" in request.POST:
            changes["team"] = _team_choice(request, request.POST["team"])
        saved_view_change(view=view, by=request.user, **changes)
    except TicketError as exc:
        status = 400 if may_edit_saved_view(request.user, view) else 403
        return _page(
            request,
            status=status,
            error=_("“%(name)s”: %(error)s") % {"name": view.name, "error": exc},
        )
    messages.success(request, _("Changed the view “%(name)s”.") % {"name": view.name})
    return redirect("desk:saved_views")


@require_POST
@staff_required
def saved_view_move_view(request, pk: int):
    view = _view_for(request, pk)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return _page(request, status=400, error=_("Move a view up or down."))
    try:
        saved_view_move(view=view, by=request.user, up=direction == "up")
    except TicketError as exc:
        return _page(request, status=400, error=str(exc))
    return redirect(reverse("desk:saved_views") + f"#view-{view.pk}")


@require_POST
@staff_required
def saved_view_delete_view(request, pk: int):
    view = _view_for(request, pk)
    try:
        saved_view_delete(view=view, by=request.user)
    except TicketError as exc:
        return _page(request, status=403, error=str(exc))
    messages.success(request, _("Deleted the view “%(name)s”.") % {"name": view.name})
    return redirect("desk:saved_views")
