"""Saved queue views: create, change (rename, re-filter, share or unshare), move, delete.

Who may change a view is one rule (``policy.may_edit_saved_view``), checked here before each write;
what a view may hold is the filter form's own parsing (``desk.queue.saved_query_clean``).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from accounts.models import Team

from .. import policy
from ..desk.queue import SORTS, saved_query_clean
from ..models import SavedView
from ..policy import TicketError

NAME_MAX = 60


def _name(raw: str) -> str:
    name = " ".join(str(raw or "").split())
    if not name:
        raise TicketError(_("Give the view a name."))
    if len(name) > NAME_MAX:
        raise TicketError(_("A view's name takes at most %(max)d characters."), max=NAME_MAX)
    return name


def _sort(raw: str | None, default: str) -> str:
    sort = raw or default
    if sort not in SORTS:
        raise TicketError(_("Sort by one of: %(sorts)s."), sorts=", ".join(SORTS))
    return sort


def _team(*, team: Team | None, by) -> Team | None:
    """A view is shared only with a team its sharer belongs to."""
    if team is not None and not by.teams.filter(pk=team.pk).exists():
        raise TicketError(_("Share a view only with a team you belong to."))
    return team


def _check_staff(by) -> None:
    if not (by and by.is_active and by.is_staff):
        raise TicketError(_("Only staff save queue views."))


@transaction.atomic
def saved_view_create(
    *, owner, name: str, query: str, sort: str | None = None, team: Team | None = None
) -> SavedView:
    """Save a queue filter (and order) by name, after the owner's own views; shared with ``team`` if given."""
    _check_staff(owner)
    clean, query_sort = saved_query_clean(query)
    count = SavedView.objects.select_for_update().filter(owner=owner).count()
    if count >= policy.SAVED_VIEWS_PER_OWNER_MAX:
        raise TicketError(
            _("You have %(max)d saved views already: delete one first."), max=policy.SAVED_VIEWS_PER_OWNER_MAX
        )
    last = SavedView.objects.filter(owner=owner).aggregate(m=Max("position"))["m"]
    return SavedView.objects.create(
        owner=owner,
        name=_name(name),
        query=clean,
        sort=_sort(sort, query_sort),
        team=_team(team=team, by=owner),
        position=0 if last is None else last + 1,
    )


_UNCHANGED = object()


@transaction.atomic
def saved_view_change(
    *, view: SavedView, by, name=_UNCHANGED, query=_UNCHANGED, sort=_UNCHANGED, team=_UNCHANGED
) -> SavedView:
    """Rename, re-filter, re-sort, share (``team``) or unshare (``team=None``) a view: whatever is given."""
    policy.check_saved_view_edit(by, view)
    if name is not _UNCHANGED:
        view.name = _name(name)
    if query is not _UNCHANGED:
        view.query, query_sort = saved_query_clean(query)
        if sort is _UNCHANGED and "sort=" in str(query):
            view.sort = query_sort
    if sort is not _UNCHANGED:
        view.sort = _sort(sort, view.sort)
    if team is not _UNCHANGED and (team.pk if team else None) != view.team_id:
        view.team = _team(team=team, by=by)
    view.save()
    return view


@transaction.atomic
def saved_view_move(*, view: SavedView, by, up: bool) -> SavedView:
    """Swap a view with its neighbour among its owner's views (only the owner orders them)."""
    if view.owner_id != by.pk:
        raise TicketError(_("Only a view's owner moves it."))
    views = list(SavedView.objects.select_for_update().filter(owner=by).order_by("position", "pk"))
    # Re-number first, so equal positions left by older rows never make a swap a no-op.
    index = next(i for i, v in enumerate(views) if v.pk == view.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(views):
        views[index], views[other] = views[other], views[index]
    for position, v in enumerate(views):
        if v.position != position:
            SavedView.objects.filter(pk=v.pk).update(position=position)
            v.position = position
    return next(v for v in views if v.pk == view.pk)


@transaction.atomic
def saved_view_delete(*, view: SavedView, by) -> None:
    policy.check_saved_view_edit(by, view)
    view.delete()
