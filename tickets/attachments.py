"""Reading attachments: which files a viewer may see, and the download response every scoped view
answers with. The writes and the rules on bytes are in ``tickets.services.attachments``.

The portal, the desk and the API all read through these two, so they stay here, beside the selectors,
rather than in any one view package (the writes moved; these are not writes).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404

from .models import Attachment, Message, Ticket


def attachments_visible_to(user, ticket: Ticket) -> QuerySet[Attachment]:
    """A ticket's files for this viewer: customers never see the files of internal notes.

    The ticket itself must already come from ``Ticket.objects.visible_to(user)``.
    """
    qs = Attachment.objects.filter(ticket=ticket)
    if not user.is_staff:
        qs = qs.filter(Q(message__isnull=True) | Q(message__kind=Message.Kind.PUBLIC))
    return qs


def attachment_response(attachment: Attachment) -> FileResponse:
    """Always a download: never rendered inline, never sniffed into HTML, sandboxed if opened."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is no longer stored.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
