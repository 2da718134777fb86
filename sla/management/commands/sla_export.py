"""``manage.py sla_export [-o FILE]``: the whole SLA configuration in the format sla_import reads."""

from pathlib import Path

from django.core.management.base import BaseCommand

from sla.config import dump_yaml, sla_config_export


class Command(BaseCommand):
    help = "Export the SLA configuration (calendars, priorities, plans, targets, contacts, alerts, jobs) as YAML."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="Write to this file instead of stdout.")

    def handle(self, *args, output=None, **options):
        text = dump_yaml(sla_config_export())
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
