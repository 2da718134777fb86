from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (links in staff replies, suggestions in the acknowledgement)

    def load_demo(self) -> None:
        """Called by ``manage.py load_demo`` (tickets) for every app that has it: a few demo articles."""
        from .demo import load_demo_articles

        load_demo_articles()
