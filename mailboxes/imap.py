"""Opening a mailbox's IMAP session (imapclient): TLS as configured, then a password or XOAUTH2 login."""

from __future__ import annotations

import ssl
from datetime import datetime

from imapclient import IMAPClient

from .models import Mailbox, Security
from .oauth import access_token

TIMEOUT = 30  # seconds for connect and each command: a hung server must not hold the lease forever


def imap_connect(mailbox: Mailbox, *, now: datetime) -> IMAPClient:
    context = ssl.create_default_context()
    client = IMAPClient(
        mailbox.host,
        port=mailbox.port,
        ssl=mailbox.security == Security.SSL,
        ssl_context=context,
        timeout=TIMEOUT,
    )
    try:
        if mailbox.security == Security.STARTTLS:
            client.starttls(context)
        if mailbox.auth == Mailbox.Auth.OAUTH2:
            client.oauth2_login(mailbox.username, access_token(mailbox, now=now))
        else:
            client.login(mailbox.username, mailbox.secret)
    except BaseException:
        client.shutdown()
        raise
    return client
