"""Development mail: every outgoing message kept as one ``.eml`` file in ``var/mail/``.

The default ``EMAIL_BACKEND`` when ``DEBUG`` is on, so ticket mail sent by the worker, password-reset
mail sent by the web server and mail from management commands all land in one folder that survives
restarts. Django's own file backend appends a whole connection's messages to one ``.log``; a file per
message, named by the time it was sent, opens in any mail client and sorts by name.
"""

import logging
import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)


class MailboxBackend(BaseEmailBackend):
    def __init__(self, *, file_path: str | None = None, fail_silently: bool = False, **kwargs) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            try:
                path = self._write(message)
            except OSError:
                if not self.fail_silently:
                    raise
                continue
            logger.info("Mail to %s kept in %s", ", ".join(message.recipients()), path)
            sent += 1
        return sent

    def _write(self, message: EmailMessage) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%d-%H%M%S-%f}-{uuid.uuid4().hex[:8]}.eml"
        path = self.directory / name
        partial = self.directory / f".{name}.part"  # renamed when complete: no reader sees half a mail
        partial.write_bytes(message.message().as_bytes())
        os.replace(partial, path)
        return path
