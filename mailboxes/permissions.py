"""Admins configure mailboxes (their secrets reach the mail server); the group gets the model permissions
after every migrate, as automation's managers do."""

from django.contrib.auth.models import Group, Permission

from accounts.models import Role


def grant_admins(**kwargs) -> None:
    perms = Permission.objects.filter(content_type__app_label="mailboxes", content_type__model="mailbox")
    group, _ = Group.objects.get_or_create(name=Role.ADMINS)
    group.permissions.add(*perms)
