"""Team leads and admins manage macros and rules in the admin (staff sign in there already); the
groups get the model permissions after every migrate, so a fresh install and an upgraded one agree."""

from django.contrib.auth.models import Group, Permission

from accounts.models import Role

MANAGERS = (Role.TEAM_LEADS, Role.ADMINS)


def grant_managers(**kwargs) -> None:
    perms = Permission.objects.filter(content_type__app_label="automation")
    for name in MANAGERS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*perms)
