from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy requests"

    def ready(self) -> None:
        from tickets.jobs import jobs_register

        from . import jobs, tasks  # noqa: F401  (registers the retention task with Celery)

        # The retention sweep runs with the other timed jobs (beat, ``run_timed_jobs``); tickets never
        # imports privacy, so privacy adds itself, as automation adds its sections to the SLA file.
        jobs_register("retention", jobs.retention_apply)
