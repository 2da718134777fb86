from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy requests"

    def ready(self) -> None:
        from tickets.jobs import register_job

        from . import jobs, tasks  # noqa: F401  (registers the retention task with Celery)

        # The retention sweep runs with the other timed jobs (beat, ``run_timed_jobs``); tickets never
        # imports privacy, so privacy adds itself, as automation adds its sections to the SLA file.
        register_job("retention", jobs.retention_apply)
