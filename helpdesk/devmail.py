"""The development outbox page: every mail kept in var/mail/ (helpdesk/mail.py), newest first.

Only with DEBUG on and only for staff; anyone else gets the same 404 as a missing page. Bodies are shown
as sent: the text part as text, the HTML part in a sandboxed frame (no scripts, no same-origin access).
"""

from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

SHOWN = 100  # the newest ones; the folder keeps them all


@dataclass(frozen=True)
class KeptMail:
    name: str
    sent: str
    to: str
    subject: str
    text: str
    html: str


def _read(path: Path) -> KeptMail:
    mail = message_from_bytes(path.read_bytes(), policy=policy.default)
    text, html = mail.get_body(("plain",)), mail.get_body(("html",))
    return KeptMail(
        name=path.name,
        sent=str(mail["Date"] or ""),
        to=str(mail["To"] or ""),
        subject=str(mail["Subject"] or ""),
        text=text.get_content() if text is not None else "",
        html=html.get_content() if html is not None and html is not text else "",
    )


def kept_mail(folder: Path, *, limit: int = SHOWN) -> tuple[list[KeptMail], int]:
    """The newest ``limit`` mails in ``folder`` (names sort by the time they were sent) and the total."""
    paths = sorted(folder.glob("*.eml"), reverse=True) if folder.is_dir() else []
    return [_read(p) for p in paths[:limit]], len(paths)


@login_required
def dev_mail(request: HttpRequest) -> HttpResponse:
    if not (settings.DEBUG and request.user.is_staff):
        raise Http404
    folder = Path(settings.EMAIL_FILE_PATH)
    mails, total = kept_mail(folder)
    return render(request, "helpdesk/dev_mail.html", {"mails": mails, "total": total, "folder": folder})
