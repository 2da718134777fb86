"""``manage.py sla_import FILE.yaml`` or ``--preset NAME``: validate the whole file, then apply it."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from sla.config import ConfigError, preset_path, sla_config_import


class Command(BaseCommand):
    help = "Import an SLA configuration (calendars, priorities, plans, targets, alerts, jobs) from YAML; all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="A YAML file in the format sla_export writes.")
        parser.add_argument(
            "--preset", help="Load a bundled preset from sla/presets/ by name, e.g. saas-tiers."
        )
        parser.add_argument(
            "--by",
            help="Your staff account's email: the import is recorded in the admin log (and the audit "
            "export) as yours.",
        )

    def handle(self, *args, file=None, preset=None, by=None, **options):
        if bool(file) == bool(preset):
            raise CommandError("Give either a FILE or --preset NAME.")
        person = None
        if by:
            person = (
                get_user_model()
                .objects.filter(email__iexact=by.strip(), is_active=True, is_staff=True)
                .first()
            )
            if person is None:
                raise CommandError(f"--by {by}: no active staff account has this address.")
        try:
            path = preset_path(preset) if preset else Path(file)
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
            counts = sla_config_import(text=text, by=person, source=preset or str(file))
        except ConfigError as exc:
            raise CommandError(f"{preset or file}: nothing was changed:\n{exc}") from exc
        summary = ", ".join(f"{n} {k}" for k, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Imported {summary}."))
        if person is None:
            self.stderr.write(
                "Not recorded under a name in the admin log: pass --by EMAIL to record who imported it."
            )
