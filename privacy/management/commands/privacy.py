"""``manage.py privacy export|erase|retention``: the privacy requests from the server's shell.

    manage.py privacy export casey@acme.test --out casey.zip [--by admin@example.com]
    manage.py privacy erase casey@acme.test --yes [--by admin@example.com] [--note "ticket 123"]
    manage.py privacy retention [--months 24]

A person is named by email address or account id; ``erase`` also takes an address that has no account
(someone only ever copied on tickets by mail). ``--by`` records which admin asked (it must be one);
without it the audit row says the operator at the shell did.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from privacy.models import PrivacyRequest
from privacy.services import (
    PrivacyError,
    address_erase,
    is_privacy_admin,
    person_erase,
    privacy_export,
    retention_apply,
)


def _person(ref: str) -> User:
    ref = (ref or "").strip()
    lookup = {"pk": int(ref)} if ref.isdigit() and len(ref) < 19 else {"email__iexact": ref}
    user = User.objects.filter(**lookup).first()
    if user is None:
        raise CommandError(f"No account with the id or address {ref!r}.")
    return user


def _admin(ref: str | None) -> User | None:
    if not ref:
        return None
    user = _person(ref)
    if not is_privacy_admin(user):
        raise CommandError(f"{ref} is not an administrator.")
    return user


class Command(BaseCommand):
    help = "Privacy requests: export a person's data, erase a person, apply the retention policy."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Write a person's data as a zip.")
        export.add_argument("person", help="Email address or account id.")
        export.add_argument("--out", required=True, help="Where to write the zip ('-' for standard output).")
        export.add_argument("--by", help="The administrator who asked (email or id).")
        erase = sub.add_parser("erase", help="Erase a person (cannot be undone).")
        erase.add_argument("person", help="Email address or account id.")
        erase.add_argument("--yes", action="store_true", help="Confirm: erase for good.")
        erase.add_argument("--by", help="The administrator who asked (email or id).")
        erase.add_argument("--note", default="", help="Why (e.g. the request's reference).")
        retention = sub.add_parser("retention", help="Apply the retention policy now.")
        retention.add_argument(
            "--months", type=int, help="Override HELPDESK_RETENTION_MONTHS for this run (must be > 0)."
        )

    def handle(self, *args, action: str, **options):
        now = timezone.now()
        try:
            if action == "export":
                person, by = _person(options["person"]), _admin(options["by"])
                target = options["out"]
                if target == "-":
                    request = privacy_export(
                        person=person,
                        by=by,
                        now=now,
                        channel=PrivacyRequest.Channel.COMMAND,
                        out=sys.stdout.buffer,
                    )
                else:
                    with open(target, "wb") as fh:
                        request = privacy_export(
                            person=person, by=by, now=now, channel=PrivacyRequest.Channel.COMMAND, out=fh
                        )
                    self.stdout.write(f"Exported account #{person.pk} to {target}: {request.summary}")
            elif action == "erase":
                by = _admin(options["by"])
                ref = options["person"].strip()
                address_only = "@" in ref and not User.objects.filter(email__iexact=ref).exists()
                person = None if address_only else _person(ref)
                if not options["yes"]:
                    raise CommandError("Erasing cannot be undone: add --yes to confirm.")
                if person is None:  # copied on tickets by mail, never an account
                    request = address_erase(
                        email=ref,
                        by=by,
                        now=now,
                        channel=PrivacyRequest.Channel.COMMAND,
                        note=options["note"],
                    )
                    self.stdout.write(f"Erased an address without an account: {request.summary}")
                else:
                    request = person_erase(
                        person=person,
                        by=by,
                        now=now,
                        channel=PrivacyRequest.Channel.COMMAND,
                        note=options["note"],
                    )
                    self.stdout.write(f"Erased account #{person.pk}: {request.summary}")
            else:
                months = options.get("months")
                if months is not None and months <= 0:
                    raise CommandError("--months must be at least 1.")
                count = retention_apply(now=now, months=months)
                self.stdout.write(f"retention: {count} ticket{'s' if count != 1 else ''}")
        except PrivacyError as exc:
            raise CommandError(str(exc)) from None
