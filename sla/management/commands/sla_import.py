"""``manage.py sla_import FILE.yaml`` or ``--preset NAME``: validate the whole file, then apply it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sla.config import ConfigError, preset_path, sla_config_import


class Command(BaseCommand):
    help = "Import an SLA configuration (calendars, priorities, plans, targets, alerts, jobs) from YAML; all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="A YAML file in the format sla_export writes.")
        parser.add_argument(
            "--preset", help="Load a bundled preset from sla/presets/ by name, e.g. saas-tiers."
        )

    def handle(self, *args, file=None, preset=None, **options):
        if bool(file) == bool(preset):
            raise CommandError("Give either a FILE or --preset NAME.")
        try:
            path = preset_path(preset) if preset else Path(file)
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
            counts = sla_config_import(text=text)
        except ConfigError as exc:
            raise CommandError(f"{preset or file}: nothing was changed:\n{exc}") from exc
        summary = ", ".join(f"{n} {k}" for k, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Imported {summary}."))
