"""Issue an API key for a person, as an admin: ``manage.py api_token <email> [--name ...]``."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from accounts.tokens import TokenRefused, token_issue


class Command(BaseCommand):
    help = "Issue an API key for the account with this email address and print it (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="issued by an admin", help="What the key is for.")

    def handle(self, *args, email: str, name: str, **options):
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise CommandError(f"No active account with the address {email}.")
        try:
            # An operator at the server's shell: no second factor asked (they could read the database anyway).
            token, key = token_issue(user=user, now=timezone.now(), name=name, at_the_server=True)
        except TokenRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(key)
        self.stderr.write(f"Expires {token.expires_at:%Y-%m-%d %H:%M} UTC.")
