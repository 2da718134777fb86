from django.core.management.base import BaseCommand, CommandError

from helpdesk.catalogues import catalogues, compile_catalogue, completeness, is_compiled


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po to .mo in Python (no GNU gettext), or --check them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Compile nothing; fail if a catalogue is incomplete, fuzzy, or its .mo is stale.",
        )

    def handle(self, *args, check: bool = False, **options):
        problems = []
        for po in catalogues():
            c = completeness(po)
            self.stdout.write(f"{po}: {c.translated}/{c.total} translated, {c.fuzzy} fuzzy")
            if not c.complete:
                problems.append(
                    f"{po} is incomplete ({c.total - c.translated} untranslated, {c.fuzzy} fuzzy)"
                )
            if check:
                if not is_compiled(po):
                    problems.append(f"{po.with_suffix('.mo')} is missing or stale: run compile_catalogues")
            else:
                compile_catalogue(po)
        if problems:
            raise CommandError("\n".join(problems))
