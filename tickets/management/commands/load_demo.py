"""Demo data for ``make run``: idempotent, so running it twice changes nothing.

Every demo account signs in with the password ``demo`` and one of them is a superuser, so the command
refuses to run with ``DEBUG`` off (a production-shaped database) unless told ``--force``; the compose
stack passes it only when ``DEMO=1`` is set.
"""

from datetime import time, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, Team, User
from sla.models import BusinessHours, Calendar, PriorityLevel, SLATarget, SupportPlan
from tickets.models import CannedReply, Status, Ticket
from tickets.services import message_add, ticket_assign, ticket_change_status, ticket_create

PASSWORD = "demo"

PRIORITIES = [
    (
        "urgent",
        "Urgent",
        1,
        "#dc2626",
        "Business operations have ceased. All numbers, applications, and services are completely down.",
        [],
        True,
    ),
    (
        "high",
        "High",
        2,
        "#ea580c",
        "Severe impact to business.",
        ["A critical application failure", "The majority of numbers are not functioning"],
        False,
    ),
    (
        "normal",
        "Normal",
        3,
        "#2563eb",
        "Minor impact to business.",
        ["The failure of a single number", "Intermittent issues"],
        False,
    ),
    (
        "low",
        "Low",
        4,
        "#6b7280",
        "Little or no business impact.",
        ["Feature request", "General question"],
        False,
    ),
]
# plan -> priority -> (first response, resolution, calendar)
TARGETS = {
    "enterprise": {
        "urgent": (30, 24 * 60, "always"),
        "high": (120, 3 * 24 * 60, "office"),
        "normal": (240, 5 * 24 * 60, "office"),
        "low": (48 * 60, None, "office"),
    },
    "standard": {
        "urgent": (60, 48 * 60, "always"),
        "high": (4 * 60, 5 * 24 * 60, "office"),
        "normal": (8 * 60, 10 * 24 * 60, "office"),
        "low": (72 * 60, None, "office"),
    },
}
# Canned replies, so the desk's "Canned reply" picker has something to insert in the demo.
CANNED = [
    (
        "Looking into it",
        "Hello {{ requester }},\n\nThanks for reporting this. We are looking into {{ ticket.reference }} "
        "now and will update you within the hour.\n\n{{ agent }}",
    ),
    (
        "Need a call log",
        "Hello {{ requester }},\n\nCould you send us the time, the calling number and the dialled "
        "number of one failed call? That lets us trace it in the carrier logs.\n\n{{ agent }}",
    ),
    (
        "Fixed: please confirm",
        "Hello {{ requester }},\n\nWe have applied a fix for {{ ticket.reference }}. Please "
        "try again and let us know; if we do not hear from you the ticket closes in a few days.\n\n{{ agent }}",
    ),
]
SUBJECTS = [
    "All inbound numbers down",
    "Outbound calls failing from the London office",
    "Fax not being received",
    "Call quality poor on extension 204",
    "Presence not updating in the portal",
    "Add a new phone line",
    "Conference bridge PIN rejected",
    "Question about the monthly invoice",
    "IVR prompt plays twice",
    "Voicemail to email stopped",
    "Cannot log in to the portal",
    "Feature request: call recording export",
]


class Command(BaseCommand):
    help = "Load demo organizations, people, SLA policy and thirty tickets in every status (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even with DEBUG off (a throwaway demo stack, e.g. DEMO=1 docker compose up).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Refusing to load demo data with DEBUG off: it creates a superuser (admin@demo.test) and "
                f"staff and customer accounts whose password is '{PASSWORD}', which anyone who can reach "
                "this site could use. For a throwaway demo run it with --force (the compose stack does so "
                "when DEMO=1); for a real deployment create the first admin with `manage.py createsuperuser`."
            )
        self._load()
        # Apps built on top of tickets add their own demo rows (kb: a few articles) without tickets
        # importing them: any installed app whose config has ``load_demo()``.
        for config in apps.get_app_configs():
            if callable(getattr(config, "load_demo", None)):
                config.load_demo()

    @transaction.atomic
    def _load(self):
        office, _ = Calendar.objects.get_or_create(name="office", defaults={"timezone": "Europe/London"})
        if not office.hours.exists():
            for day in range(5):
                BusinessHours.objects.create(calendar=office, weekday=day, start=time(9), end=time(17, 30))
        Calendar.objects.get_or_create(name="always", defaults={"timezone": "UTC", "always_open": True})
        calendars = {c.name: c for c in Calendar.objects.all()}

        levels = {}
        for slug, name, rank, colour, definition, examples, phone in PRIORITIES:
            levels[slug], _ = PriorityLevel.objects.get_or_create(
                slug=slug,
                defaults=dict(
                    name=name,
                    rank=rank,
                    colour=colour,
                    definition=definition,
                    examples=examples,
                    advise_phone=phone,
                    is_default=slug == "normal",
                ),
            )
        plans = {}
        for slug, name in (("enterprise", "Enterprise"), ("standard", "Standard")):
            plans[slug], _ = SupportPlan.objects.get_or_create(
                slug=slug, defaults={"name": name, "is_default": slug == "standard"}
            )
            for prio, (fr, res, cal) in TARGETS[slug].items():
                SLATarget.objects.get_or_create(
                    plan=plans[slug],
                    priority=levels[prio],
                    defaults=dict(
                        first_response=timedelta(minutes=fr),
                        resolution=timedelta(minutes=res) if res else None,
                        calendar=calendars[cal],
                    ),
                )

        acme, _ = Organization.objects.get_or_create(
            customer_number="1001",
            defaults=dict(name="Acme Telecom", plan=plans["enterprise"], email_domains=["demo.test"]),
        )
        globex, _ = Organization.objects.get_or_create(
            customer_number="2002",
            defaults=dict(name="Globex Clinics", plan=plans["standard"], email_domains=["globex.test"]),
        )

        groups = {
            name: Group.objects.get_or_create(name=name)[0]
            for name in ("Technicians", "Team leads", "Admins")
        }

        def person(email, name, *, org=None, staff=False, superuser=False, group=None, org_admin=False):
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email,
                    password=PASSWORD,
                    full_name=name,
                    organization=org,
                    is_staff=staff,
                    is_superuser=superuser,
                    is_org_admin=org_admin,
                    email_verified_at=timezone.now(),
                )
            if group:
                user.groups.add(groups[group])
            return user

        customer = person("customer@demo.test", "Casey Customer", org=acme, org_admin=True)
        colleague = person("colleague@demo.test", "Chris Colleague", org=acme)
        globex_customer = person("customer@globex.test", "Gina Globex", org=globex)
        techs = [
            person("tech@demo.test", "Taylor Tech", staff=True, group="Technicians"),
            person("tech2@demo.test", "Sam Support", staff=True, group="Technicians"),
            person("tech3@demo.test", "Alex Agent", staff=True, group="Technicians"),
        ]
        lead = person("lead@demo.test", "Lee Lead", staff=True, group="Team leads")
        person("admin@demo.test", "Ada Admin", staff=True, superuser=True, group="Admins")
        team, _ = Team.objects.get_or_create(name="Voice")
        team.members.add(*techs, lead)

        for title, body in CANNED:
            CannedReply.objects.get_or_create(title=title, defaults={"body": body})

        if Ticket.objects.exists():
            self.stdout.write("Demo tickets already present; left as they are.")
        else:
            self._tickets([customer, colleague, globex_customer], techs, levels)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    def _tickets(self, customers, techs, levels):
        now = timezone.now()
        statuses = [Status.NEW, Status.OPEN, Status.WAITING, Status.RESOLVED, Status.CLOSED]
        prios = ["urgent", "high", "normal", "normal", "low", "high"]
        for i in range(30):
            status = statuses[i % 5]
            received = now - timedelta(hours=3 * (30 - i))
            requester = customers[i % 3]
            ticket = ticket_create(
                requester=requester,
                subject=SUBJECTS[i % len(SUBJECTS)],
                description=f"Demo ticket {i + 1}. Product: Fuse. Started yesterday; consistent.",
                priority=levels[prios[i % len(prios)]],
                received_at=received,
                now=received,
            )
            if status == Status.NEW:
                continue
            tech = techs[i % 3]
            ticket_assign(ticket=ticket, agent=tech, by=tech, now=received + timedelta(minutes=20))
            message_add(
                ticket=ticket,
                author=tech,
                body="Thanks, we are looking into it.",
                now=received + timedelta(minutes=25),
                minutes=5 + 5 * (i % 4),
            )
            if status == Status.WAITING:
                ticket_change_status(
                    ticket=ticket, status=Status.WAITING, by=tech, now=received + timedelta(minutes=30)
                )
            elif status in (Status.RESOLVED, Status.CLOSED):
                ticket_change_status(
                    ticket=ticket, status=Status.RESOLVED, by=tech, now=received + timedelta(hours=2)
                )
                if status == Status.CLOSED:
                    ticket_change_status(
                        ticket=ticket,
                        status=Status.CLOSED,
                        by=requester,
                        now=received + timedelta(hours=2, minutes=30),
                        reason="Confirmed resolved by the customer",
                    )
