"""Outbound mail through a support mailbox's own SMTP server, when no ESP is configured.

The default ``EMAIL_BACKEND`` when the environment names none: a mail leaves through the active mailbox
whose address is its From (else the first active mailbox with an SMTP host), From rewritten to that address
so the server accepts it and replies go to the support address, authenticated like the mailbox's IMAP
(password or XOAUTH2), and then appended to the mailbox's Sent folder where the server does not file it
itself. With no such mailbox the fallback backend sends it as before (``var/mail/`` files when DEBUG).
"""

from __future__ import annotations

import imaplib
import logging
import smtplib
import ssl
from collections.abc import Sequence
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import Q
from django.utils import timezone

from .imap import imap_connect
from .models import Mailbox, Security
from .oauth import access_token

TIMEOUT = 30
log = logging.getLogger(__name__)


def sending_mailbox(from_email: str) -> Mailbox | None:
    address = parseaddr(from_email)[1].lower()
    candidates = Mailbox.objects.filter(active=True).exclude(smtp_host="")
    return (
        candidates.filter(Q(address__iexact=address)).first() if address else None
    ) or candidates.order_by("pk").first()


def _smtp(mailbox: Mailbox) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if mailbox.smtp_security == Security.SSL:
        server = smtplib.SMTP_SSL(mailbox.smtp_host, mailbox.smtp_port, timeout=TIMEOUT, context=context)
    else:
        server = smtplib.SMTP(mailbox.smtp_host, mailbox.smtp_port, timeout=TIMEOUT)
        if mailbox.smtp_security == Security.STARTTLS:
            server.starttls(context=context)
    try:
        server.ehlo()
        if mailbox.auth == Mailbox.Auth.OAUTH2:
            token = access_token(mailbox, now=timezone.now())
            sasl = f"user={mailbox.username}\x01auth=Bearer {token}\x01\x01"
            server.auth("XOAUTH2", lambda challenge=None: sasl)
        else:
            server.login(mailbox.username, mailbox.secret)
    except BaseException:
        server.close()
        raise
    return server


class MailboxSMTPBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        fallback: list[EmailMessage] = []
        for message in email_messages:
            if not message.recipients():
                continue
            mailbox = sending_mailbox(message.from_email)
            if mailbox is None:
                fallback.append(message)
                continue
            try:
                self._send(mailbox, message)
            except Exception:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        if fallback:
            backend = get_connection(
                settings.HELPDESK_MAILBOX_FALLBACK_BACKEND, fail_silently=self.fail_silently
            )
            sent += backend.send_messages(fallback) or 0
        return sent

    def _send(self, mailbox: Mailbox, message: EmailMessage) -> None:
        name = parseaddr(message.from_email)[0]
        message.from_email = formataddr((name, mailbox.address)) if name else mailbox.address
        mime = message.message()
        data = mime.as_bytes(linesep="\r\n")
        server = _smtp(mailbox)
        try:
            server.sendmail(mailbox.address, message.recipients(), data)
        finally:
            try:
                server.quit()
            except smtplib.SMTPException:
                server.close()
        if mailbox.sent_folder:
            client = imap_connect(mailbox, now=timezone.now())
            try:
                if not client.folder_exists(mailbox.sent_folder):
                    client.create_folder(mailbox.sent_folder)
                client.append(mailbox.sent_folder, data, flags=[b"\\Seen"])
            except imaplib.IMAP4.error:
                # The mail left; only its copy in Sent is missing. Say so, do not send it twice.
                log.warning("mailbox %s: sent, but not appended to %s", mailbox.name, mailbox.sent_folder)
            finally:
                client.logout()
