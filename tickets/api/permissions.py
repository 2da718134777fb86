"""Who may call what. Object scoping is not here: every ticket query goes through
``Ticket.objects.visible_to(user)`` first, so a ticket a customer cannot see is a 404 before any
permission below is asked (a stranger's 404 and a missing ticket's 404 look the same)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_helpdesk_admin)


class IsStaff(BasePermission):
    """Technicians, team leads and admins."""

    message = "Only support staff may do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class IsTeamLead(BasePermission):
    """Team leads and admins (reports such as the time logged for billing)."""

    message = "Only team leads and admins may do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_team_lead)


class StaffOnlyObject(BasePermission):
    """For actions on a ticket the caller can see but may not change (asked after the scoped lookup,
    so customers of another organization get 404, the ticket's own customers 403)."""

    message = "Only support staff may do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj) -> bool:
        return bool(request.user.is_staff)


class ReadSignedInWriteAdmin(BasePermission):
    """Configuration (priority levels, plans): everyone signed in reads, admins write."""

    message = "Only administrators may change this."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or is_admin(request.user)


class RequesterOrStaffObject(BasePermission):
    """Editing the request itself: the person who filed it, or staff (colleagues may reply, not edit)."""

    message = "Only the person who filed the ticket, or staff, may edit it."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj) -> bool:
        return bool(request.user.is_staff or obj.requester_id == request.user.pk)
