from django.apps import AppConfig


class MailboxesConfig(AppConfig):
    name = "mailboxes"
    verbose_name = "Mailboxes (IMAP intake)"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .permissions import grant_admins

        post_migrate.connect(grant_admins, sender=self, dispatch_uid="mailboxes-admins")

        from tickets.jobs import jobs_register

        from .services import mailboxes_poll

        jobs_register("mailboxes_poll", mailboxes_poll)  # run_timed_jobs runs what beat runs
