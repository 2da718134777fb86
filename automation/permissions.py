"""Who manages automation. Team leads and admins get the admin's model permissions after every migrate
(so a fresh install and an upgraded one agree); which macro each person may create, edit or delete is
one rule, ``may_manage_macro``, asked by the desk's macro editor, the admin and ``services.macro_save``."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from accounts.models import Role, Team

from .models import Macro

MANAGERS = (Role.TEAM_LEADS, Role.ADMINS)


def grant_managers(**kwargs) -> None:
    perms = Permission.objects.filter(content_type__app_label="automation")
    for name in MANAGERS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*perms)


# --- who may edit which macro: asked by the desk's editor, the admin and the services ------------------


def may_manage_macro(user, macro: Macro) -> bool:
    """Anyone on staff their own personal macros; a team lead the macros of a team they belong to; a
    helpdesk admin every macro, global ones included. Asked of a macro as it is and as it would be after
    a change, so nobody edits a macro into a scope they could not have made it in."""
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        return False
    if user.is_helpdesk_admin:
        return True
    if macro.scope == Macro.Scope.PERSONAL:
        return macro.owner_id is not None and macro.owner_id == user.pk
    if macro.scope == Macro.Scope.TEAM:
        return (
            user.is_team_lead and macro.team_id is not None and user.teams.filter(pk=macro.team_id).exists()
        )
    return False


def manageable_macros_q(user) -> Q:
    """The same rule as ``may_manage_macro``, as a filter for lists."""
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        return Q(pk__in=[])
    if user.is_helpdesk_admin:
        return Q()
    q = Q(scope=Macro.Scope.PERSONAL, owner=user)
    if user.is_team_lead:
        q |= Q(scope=Macro.Scope.TEAM, team__in=user.teams.values("pk"))
    return q


def macro_scopes_for(user) -> list[str]:
    """The scopes this person may give a macro (to offer in a form)."""
    if user.is_helpdesk_admin:
        return [Macro.Scope.PERSONAL, Macro.Scope.TEAM, Macro.Scope.GLOBAL]
    if user.is_team_lead:
        return [Macro.Scope.PERSONAL, Macro.Scope.TEAM]
    return [Macro.Scope.PERSONAL]


def macro_teams_for(user):
    """The teams whose macros this person may manage (to offer in a form)."""
    if user.is_helpdesk_admin:
        return Team.objects.all()
    if user.is_team_lead:
        return Team.objects.filter(members=user)
    return Team.objects.none()


def may_manage_rules(user) -> bool:
    """Rules act on every ticket: team leads and admins write them (the admin's model permissions are
    granted to the same two groups, ``grant_managers``)."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff and user.is_team_lead)
