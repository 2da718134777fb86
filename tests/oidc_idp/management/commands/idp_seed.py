"""Give the test provider a signing key, people and clients (run once per database; safe to repeat).

``--redirect-uri`` adds an allowed redirect URI to every client (the helpdesk's callback, as the
test client or the live server sees it).
"""

from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand
from oidc_provider.models import Client, ResponseType, RSAKey

PASSWORD = "idp-password-1"
# username: (email, full name, groups)
PEOPLE = {
    "alice": ("alice@corp.example", "Alice Agent", ["role:helpdesk-agent", "team:net-ops"]),
    "lena": ("lena@corp.example", "Lena Lead", ["role:helpdesk-lead"]),
    "nobody": ("nobody@corp.example", "No Role", []),
    "carol": ("carol@acme.example", "Carol Customer", []),
    "erin": ("erin@acme.example", "Erin Existing", []),
    "dave-unverified": ("dave@acme.example", "Not Dave", ["unverified"]),
    "mallory": ("boss@corp.example", "Mallory", []),
    "outsider": ("someone@elsewhere.example", "Outsider", ["role:helpdesk-agent"]),
}
CLIENTS = ["helpdesk-staff", "helpdesk-acme", "helpdesk-globex", "rogue-issuer", "rogue-nonce"]


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--redirect-uri", action="append", default=[])

    def handle(self, *args, redirect_uri, **options):
        if not RSAKey.objects.exists():
            call_command("creatersakey")
        for username, (email, name, groups) in PEOPLE.items():
            first, _, last = name.partition(" ")
            user, created = User.objects.get_or_create(
                username=username, defaults={"email": email, "first_name": first, "last_name": last}
            )
            if created:
                user.set_password(PASSWORD)
                user.save()
            user.groups.set([Group.objects.get_or_create(name=g)[0] for g in groups])
        code = ResponseType.objects.get(value="code")
        for client_id in CLIENTS:
            client, _ = Client.objects.get_or_create(
                client_id=client_id,
                defaults={
                    "name": client_id,
                    "client_type": "confidential",
                    "client_secret": f"{client_id}-secret",
                    "jwt_alg": "RS256",
                    "require_consent": False,
                },
            )
            client.response_types.add(code)
            client.redirect_uris = sorted(set(client.redirect_uris) | set(redirect_uri))
            client.save()
