"""Bulk, realistic benchmark data: ``manage.py seed_bulk --tickets 1000000 --organizations 5000 --seed 1``.

Everything is derived from ``random.Random(seed)`` and a fixed anchor day, so a seed always produces
the same organizations, people and tickets. Idempotent per seed: organizations and people are keyed
by seeded names (``S<seed>-<n>`` customer numbers, ``...s<seed>@bulk.test`` addresses) and created
when missing; the seed's tickets are left alone when their count already matches, and replaced
otherwise (a partial or differently-sized earlier run).

On PostgreSQL rows are streamed with ``COPY`` (psycopg2 ``copy_expert``) into the real tables in one
transaction; for big runs the secondary indexes of the three large tables are dropped first and
rebuilt from their own definitions before commit, so a failure rolls everything back. On other
databases (SQLite under the tests) the same rows go through ``executemany``.

It is one long module on purpose: benchmark tooling, not product code, read top to bottom as one story
(people, then tickets, then their threads and events, then the COPY writer); the stored SLA fields come
from the real ``sla`` engine, and ``tests/scale/test_seed_bulk.py`` holds them to what the services store.

SLA deadlines come from the real engine: one ``BusinessCalendar`` per plan x priority target
(``sla.selectors.calendar_build``), then ``sla.calendars.add_business_time`` per ticket, pure and
without the ORM.
"""

from __future__ import annotations

import bisect
import io
import json
import multiprocessing
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction

from accounts.models import Organization, User
from sla.calendars import BusinessCalendar, add_business_time
from sla.models import Calendar, PriorityLevel, SLATarget, SupportPlan
from sla.selectors import calendar_build
from tickets.alerts import warn_percent
from tickets.models import Channel, Message, Status, Ticket, TicketEvent
from tickets.schedule import next_actions_mark_all
from tickets.search import documents_rebuild

from .load_demo import PRIORITIES, TARGETS

BULK_DOMAIN = "bulk.test"
BULK_PASSWORD = "bench"  # every seeded person signs in with it (the load script does)
# Share of tickets by priority rank order (most urgent first): urgent work is rare, normal dominates.
PRIORITY_WEIGHTS = (0.02, 0.10, 0.60, 0.28)
PLAN_WEIGHTS = {"enterprise": 0.3, "standard": 0.7}
CHANNEL_WEIGHTS = ((Channel.WEB, 0.5), (Channel.EMAIL, 0.4), (Channel.API, 0.05), (Channel.PHONE, 0.05))
HISTORY_DAYS = 730
LONG_THREADS = 10  # tickets with exactly 50 messages, for the "ticket page with 50 messages" figure
LONG_THREAD_SUBJECT = "Long thread"
SUBJECTS = (
    "All inbound numbers down",
    "Outbound calls failing from the office",
    "Fax not being received",
    "Call quality poor on extension",
    "Presence not updating in the portal",
    "Add a new phone line",
    "Conference bridge PIN rejected",
    "Question about the monthly invoice",
    "IVR prompt plays twice",
    "Voicemail to email stopped",
    "Cannot log in to the portal",
    "Feature request: call recording export",
    "Porting request for two numbers",
    "Hunt group skips a member",
    "Music on hold too quiet",
)
CUSTOMER_LINES = (
    "Product: Fuse. Numbers dialed: +44 20 7946 0{n:03d}. Started yesterday; consistent.",
    "Any update on this? It is still happening this morning.",
    "Thanks, that fixed it for most users, one still sees it.",
    "Attached the call log you asked for.",
    "It happens intermittently, about twice an hour.",
)
STAFF_LINES = (
    "Thanks, we are looking into it.",
    "Could you send the time of a failing call and the number dialed?",
    "We applied a fix on the carrier side; please test again.",
    "The engineer has rerouted the trunk; calls should connect now.",
    "Closing this as resolved; reply to reopen.",
)
NOTE_LINES = (
    "Carrier ticket raised.",
    "Seen the same on another customer, linking.",
    "Waiting on the porting desk.",
)


@dataclass(frozen=True)
class Target:
    """An SLA cell reduced to what the generator needs: deltas and one pure calendar."""

    first_response: timedelta | None
    resolution: timedelta | None
    calendar: BusinessCalendar
    # The share of each target at which it is "close" (the alert rules' threshold), or None.
    first_response_warn_pct: int | None = None
    resolution_warn_pct: int | None = None


class Writer:
    """Rows for one table. Worker processes format COPY text; the parent writes it (or executemany)."""

    def __init__(self, model, columns: list[str]):
        self.model = model
        self.table = model._meta.db_table
        fields = {f.column: f for f in model._meta.concrete_fields}
        missing = [c for c in columns if c not in fields]
        if missing:
            raise CommandError(f"{self.table} has no columns {missing}")
        # Columns added by later migrations get their model default, so a merge never breaks seeding.
        extra = [f for f in model._meta.concrete_fields if f.column not in columns and not f.primary_key]
        self.extra_values = tuple(f.get_default() for f in extra)
        self.columns = columns + [f.column for f in extra]
        self.fields = [fields[c] for c in self.columns]
        self.formatters = [_formatter(f) for f in self.fields]

    def complete(self, row: tuple) -> tuple:
        return row + self.extra_values if self.extra_values else row

    def to_copy(self, rows: list[tuple]) -> str:
        fmts = self.formatters
        lines = ["\t".join([f(v) for f, v in zip(fmts, self.complete(row), strict=True)]) for row in rows]
        lines.append("")
        return "\n".join(lines)

    def copy(self, cursor, text: str) -> None:
        cols = ", ".join(f'"{c}"' for c in self.columns)
        cursor.copy_expert(f'COPY "{self.table}" ({cols}) FROM STDIN', io.StringIO(text))

    def insert(self, cursor, rows: list[tuple]) -> None:
        cols = ", ".join(f'"{c}"' for c in self.columns)
        placeholders = ", ".join(["%s"] * len(self.columns))
        prepped = [
            tuple(
                f.get_db_prep_save(v, connection)
                for f, v in zip(self.fields, self.complete(row), strict=True)
            )
            for row in rows
        ]
        cursor.executemany(f'INSERT INTO "{self.table}" ({cols}) VALUES ({placeholders})', prepped)


def _formatter(field):
    """One COPY text formatter per column, chosen once by field type (the per-value cost matters at 1M)."""
    if isinstance(field, models.DateTimeField):
        return _fmt_datetime
    if isinstance(field, (models.AutoField, models.ForeignKey, models.IntegerField)):
        return _fmt_int
    if isinstance(field, models.CharField) and field.choices:
        return _fmt_plain  # choice values never hold tabs or newlines
    return _copy_value


def _fmt_datetime(v) -> str:
    return "\\N" if v is None else v.isoformat()


def _fmt_int(v) -> str:
    return "\\N" if v is None else str(v)


def _fmt_plain(v) -> str:
    return "\\N" if v is None else str(v)


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(v) -> str:
    if v is None:
        return "\\N"
    t = type(v)
    if t is str:
        return v.translate(_ESCAPES)
    if t is bool:
        return "t" if v else "f"
    if t is int:
        return str(v)
    if t is datetime:
        return v.isoformat()
    if t is dict or t is list:
        return json.dumps(v).translate(_ESCAPES) if v else ("{}" if t is dict else "[]")
    if t is timedelta:
        return f"{v.total_seconds()} seconds"
    return str(v).translate(_ESCAPES)


class Progress:
    """A plain progress bar on stderr (no extra dependency), one redraw per chunk."""

    def __init__(self, total: int, label: str, stream=None, enabled: bool = True):
        self.total, self.label, self.stream, self.enabled = total, label, stream or sys.stderr, enabled
        self.start = time.monotonic()

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        frac = done / self.total if self.total else 1.0
        elapsed = time.monotonic() - self.start
        eta = elapsed / frac - elapsed if frac else 0
        bar = "#" * int(frac * 30)
        self.stream.write(
            f"\r{self.label} [{bar:<30}] {frac:6.1%} {done:,}/{self.total:,}  {elapsed:6.1f}s  eta {eta:5.0f}s"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = "Generate realistic bulk tickets (COPY on PostgreSQL), idempotent per --seed."

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, required=True)
        parser.add_argument("--organizations", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--customers-per-org", type=int, default=3)
        parser.add_argument(
            "--technicians", type=int, default=None, help="Default: one per 5,000 tickets (5 to 200)."
        )
        parser.add_argument(
            "--anchor", default=None, help="ISO date the history ends on (default: today, UTC)."
        )
        parser.add_argument(
            "--workers", type=int, default=2, help="Processes formatting COPY batches (PostgreSQL)."
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **opts):
        n_tickets, n_orgs, seed = opts["tickets"], opts["organizations"], opts["seed"]
        if n_tickets < 0 or n_orgs < 1:
            raise CommandError("--tickets must be >= 0 and --organizations >= 1.")
        started = time.monotonic()
        anchor_day = (
            datetime.fromisoformat(opts["anchor"]).date() if opts["anchor"] else datetime.now(UTC).date()
        )
        self.anchor = datetime(anchor_day.year, anchor_day.month, anchor_day.day, tzinfo=UTC)
        self.rng = random.Random(seed)
        self.seed = seed
        self.prefix = f"S{seed}-"

        with transaction.atomic():
            priorities, targets = self._policy()
            orgs = self._organizations(n_orgs)
            customers = self._customers(orgs, opts["customers_per_org"])
            n_techs = opts["technicians"] or max(5, min(200, n_tickets // 5000))
            techs = self._technicians(n_techs)

        existing = Ticket.objects.filter(organization__customer_number__startswith=self.prefix)
        have = existing.count()
        if have == n_tickets:
            self.stdout.write(f"Seed {seed}: {have:,} tickets already present; nothing to do.")
            return
        if have:
            self.stdout.write(f"Seed {seed}: {have:,} tickets present, {n_tickets:,} asked; replacing them.")
            self._delete_tickets()
        counts = self._tickets(
            n_tickets,
            orgs,
            customers,
            techs,
            priorities,
            targets,
            workers=opts["workers"],
            progress=not opts["no_progress"],
        )
        self.stdout.write(
            f"Seed {seed}: {n_tickets:,} tickets, {counts['messages']:,} messages, {counts['events']:,} events, "
            f"{len(orgs):,} organizations, {sum(len(c) for c in customers.values()):,} customers, {len(techs)} technicians "
            f"in {time.monotonic() - started:.1f}s."
        )

    # --- reference data (get-or-create, shared with load_demo's names) ---------------------------

    def _policy(self):
        calendars = {}
        office, created = Calendar.objects.get_or_create(
            name="office", defaults={"timezone": "Europe/London"}
        )
        if created:
            from sla.models import BusinessHours

            BusinessHours.objects.bulk_create(
                BusinessHours(
                    calendar=office,
                    weekday=d,
                    start=datetime.min.time().replace(hour=9),
                    end=datetime.min.time().replace(hour=17, minute=30),
                )
                for d in range(5)
            )
        calendars["office"] = office
        calendars["always"], _ = Calendar.objects.get_or_create(
            name="always", defaults={"timezone": "UTC", "always_open": True}
        )
        if not PriorityLevel.objects.exists():
            for slug, name, rank, colour, definition, examples, phone in PRIORITIES:
                PriorityLevel.objects.create(
                    slug=slug,
                    name=name,
                    rank=rank,
                    colour=colour,
                    definition=definition,
                    examples=examples,
                    advise_phone=phone,
                    is_default=slug == "normal",
                )
        priorities = list(PriorityLevel.objects.order_by("rank", "pk"))
        if not SLATarget.objects.exists():
            by_slug = {p.slug: p for p in priorities}
            for slug, name in (("enterprise", "Enterprise"), ("standard", "Standard")):
                plan, _ = SupportPlan.objects.get_or_create(
                    slug=slug,
                    defaults={
                        "name": name,
                        "is_default": not SupportPlan.objects.filter(is_default=True).exists(),
                    },
                )
                for prio, (fr, res, cal) in TARGETS[slug].items():
                    if prio in by_slug:
                        SLATarget.objects.create(
                            plan=plan,
                            priority=by_slug[prio],
                            first_response=timedelta(minutes=fr),
                            resolution=timedelta(minutes=res) if res else None,
                            calendar=calendars[cal],
                        )
        # One pure calendar per distinct Calendar row, one Target per plan x priority: no ORM per ticket.
        built: dict[int, BusinessCalendar] = {}
        targets: dict[tuple[int, int], Target] = {}
        for t in SLATarget.objects.select_related("calendar").prefetch_related(
            "calendar__hours", "calendar__holidays"
        ):
            if t.calendar_id not in built:
                built[t.calendar_id] = calendar_build(t.calendar)
            targets[(t.plan_id, t.priority_id)] = Target(
                t.first_response,
                t.resolution,
                built[t.calendar_id],
                warn_percent(priority_id=t.priority_id, target="first_response"),
                warn_percent(priority_id=t.priority_id, target="resolution"),
            )
        return priorities, targets

    def _organizations(self, n: int) -> list[Organization]:
        plans = list(SupportPlan.objects.filter(targets__isnull=False).distinct().order_by("pk"))
        if not plans:
            raise CommandError("No support plan has SLA targets.")
        weights = [PLAN_WEIGHTS.get(p.slug, 0.1) for p in plans]
        rng = random.Random(f"{self.seed}-orgs")
        wanted = []
        for i in range(n):
            plan = rng.choices(plans, weights)[0]
            wanted.append(
                Organization(
                    customer_number=f"{self.prefix}{i:06d}",
                    name=f"Bulk {self.seed} Org {i:06d}",
                    plan=plan,
                    email_domains=[f"o{i}.s{self.seed}.{BULK_DOMAIN}"],
                )
            )
        have = set(
            Organization.objects.filter(customer_number__startswith=self.prefix).values_list(
                "customer_number", flat=True
            )
        )
        Organization.objects.bulk_create(
            [o for o in wanted if o.customer_number not in have], batch_size=2000
        )
        by_number = {
            o.customer_number: o
            for o in Organization.objects.filter(
                customer_number__in=[w.customer_number for w in wanted]
            ).select_related("plan")
        }
        return [by_number[w.customer_number] for w in wanted]

    def _users(self, rows: list[dict]) -> dict[str, User]:
        emails = [r["email"] for r in rows]
        have = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        password = make_password(BULK_PASSWORD)  # hashed once: thousands of PBKDF2 runs would dominate
        User.objects.bulk_create(
            [User(username=r["email"], password=password, **r) for r in rows if r["email"] not in have],
            batch_size=2000,
        )
        return {u.email: u for u in User.objects.filter(email__in=emails)}

    def _customers(self, orgs: list[Organization], per_org: int) -> dict[int, list[int]]:
        rows = []
        for i, org in enumerate(orgs):
            for j in range(per_org):
                rows.append(
                    {
                        "email": f"c{i}-{j}.s{self.seed}@{BULK_DOMAIN}",
                        "full_name": f"Customer {i}-{j}",
                        "organization": org,
                        "is_org_admin": j == 0,
                        "email_verified_at": self.anchor,
                    }
                )
        users = self._users(rows)
        out: dict[int, list[int]] = {}
        for r in rows:
            out.setdefault(r["organization"].pk, []).append(users[r["email"]].pk)
        return out

    def _technicians(self, n: int) -> list[int]:
        rows = [
            {
                "email": f"tech{i}.s{self.seed}@{BULK_DOMAIN}",
                "full_name": f"Technician {i}",
                "is_staff": True,
                "email_verified_at": self.anchor,
            }
            for i in range(n)
        ]
        # A team lead and an admin too: the SLA dashboard and the admin are theirs.
        rows.append(
            {
                "email": f"lead.s{self.seed}@{BULK_DOMAIN}",
                "full_name": "Team Lead",
                "is_staff": True,
                "email_verified_at": self.anchor,
            }
        )
        rows.append(
            {
                "email": f"admin.s{self.seed}@{BULK_DOMAIN}",
                "full_name": "Admin",
                "is_staff": True,
                "is_superuser": True,
                "email_verified_at": self.anchor,
            }
        )
        users = self._users(rows)
        groups = {
            name: Group.objects.get_or_create(name=name)[0]
            for name in ("Technicians", "Team leads", "Admins")
        }
        wanted = [(users[r["email"]].pk, groups["Technicians"].pk) for r in rows[:n]]
        wanted.append((users[rows[n]["email"]].pk, groups["Team leads"].pk))
        wanted.append((users[rows[n + 1]["email"]].pk, groups["Admins"].pk))
        through = User.groups.through
        have = set(
            through.objects.filter(user_id__in=[u for u, _ in wanted]).values_list("user_id", "group_id")
        )
        through.objects.bulk_create([through(user_id=u, group_id=g) for u, g in wanted if (u, g) not in have])
        return [users[r["email"]].pk for r in rows[:n]]

    def _delete_tickets(self) -> None:
        """Remove this seed's tickets and every row hanging off them, in SQL (the ORM would take hours at 1M)."""
        ids_sql = (
            f'SELECT t.id FROM "{Ticket._meta.db_table}" t JOIN "{Organization._meta.db_table}" o '
            f"ON o.id = t.organization_id WHERE o.customer_number LIKE %s"
        )
        like = self.prefix.replace("_", "\\_") + "%"
        with transaction.atomic(), connection.cursor() as cursor:
            for rel in Message._meta.related_objects:  # attachments and anything else on messages
                if rel.many_to_many or not rel.field.concrete:
                    continue
                cursor.execute(
                    f'DELETE FROM "{rel.related_model._meta.db_table}" WHERE "{rel.field.column}" IN '
                    f'(SELECT m.id FROM "{Message._meta.db_table}" m WHERE m.ticket_id IN ({ids_sql}))',
                    [like],
                )
            for rel in Ticket._meta.related_objects:
                if rel.many_to_many:
                    table, column = rel.through._meta.db_table, "ticket_id"
                    cursor.execute(f'DELETE FROM "{table}" WHERE "{column}" IN ({ids_sql})', [like])
                    continue
                table, column = rel.related_model._meta.db_table, rel.field.column
                if rel.related_model is Ticket:  # merged_into / reopened_from pointing at doomed tickets
                    cursor.execute(
                        f'UPDATE "{table}" SET "{column}" = NULL WHERE "{column}" IN ({ids_sql})', [like]
                    )
                elif rel.on_delete is models.SET_NULL:
                    cursor.execute(
                        f'UPDATE "{table}" SET "{column}" = NULL WHERE "{column}" IN ({ids_sql})', [like]
                    )
                else:
                    cursor.execute(f'DELETE FROM "{table}" WHERE "{column}" IN ({ids_sql})', [like])
            cursor.execute(f'DELETE FROM "{Ticket._meta.db_table}" WHERE id IN ({ids_sql})', [like])

    # --- tickets ---------------------------------------------------------------------------------

    def _tickets(
        self, n, orgs, customers, techs, priorities, targets, *, workers: int, progress: bool
    ) -> dict:
        postgres = connection.vendor == "postgresql"
        rng = random.Random(f"{self.seed}-tickets")
        org_weights = [rng.lognormvariate(0, 1.2) for _ in orgs]  # a few big customers, a long tail
        prio_weights = list(PRIORITY_WEIGHTS[: len(priorities)]) + [0.05] * max(
            0, len(priorities) - len(PRIORITY_WEIGHTS)
        )
        writers = _writers()
        bar = Progress(n, f"seed {self.seed}", enabled=progress)
        counts = {"tickets": 0, "messages": 0, "events": 0}
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor if postgres else cursor
            dropped: list[tuple[str, str]] = []
            if postgres:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                if cursor.fetchone()[0]:
                    # Our ids are consistent by construction; skipping per-row FK triggers saves
                    # millions of deferred checks at commit. Local to this transaction.
                    cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                cursor.execute("SET LOCAL synchronous_commit = off")
                if n >= 50000:
                    dropped = self._drop_secondary_indexes(cursor, [w.table for w in writers])
            job = Job(
                seed=self.seed,
                n=n,
                anchor=self.anchor,
                first_id=self._next_id(cursor, Ticket),
                orgs=[(o.pk, o.plan_id, o.plan.slug) for o in orgs],
                customers=customers,
                techs=techs,
                priorities=[(p.pk, p.rank, p.slug) for p in priorities],
                targets=targets,
                cum_org=list(_accumulate(org_weights)),
                cum_prio=list(_accumulate(prio_weights)),
                as_text=postgres,
            )
            bar.update(0)
            chunks = range(0, n, CHUNK)
            if workers > 1 and postgres and n > CHUNK:
                # Formatting rows is the bottleneck: forked workers build COPY text for chunks in
                # order while this process streams the finished ones into PostgreSQL.
                global _JOB
                _JOB = job
                ctx = multiprocessing.get_context("fork")
                with ctx.Pool(workers) as pool:
                    self._write_all(pool.imap(_chunk, chunks), writers, raw, postgres, counts, bar)
            else:
                self._write_all((_chunk(start, job) for start in chunks), writers, raw, postgres, counts, bar)
            bar.update(n)
            bar.close()
            if postgres:
                for w in writers:
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{w.table}\"', 'id'), "
                        f'(SELECT COALESCE(MAX(id), 1) FROM "{w.table}"))'
                    )
            if dropped:
                t0 = time.monotonic()
                for _name, definition in dropped:
                    cursor.execute(definition)
                self.stderr.write(f"rebuilt {len(dropped)} indexes in {time.monotonic() - t0:.1f}s")
        # As the migration does for existing tickets: the jobs' first passes compute their next-action instants.
        next_actions_mark_all(now=datetime.now(UTC))
        # The search documents: the triggers that keep them were skipped with the replica role above.
        documents_rebuild(after_id=job.first_id - 1)
        if postgres:
            # What autovacuum would have done over the months this history took: statistics for the
            # planner, and the visibility map that lets counts run as index-only scans.
            with connection.cursor() as cursor:
                for w in writers:
                    # VACUUM cannot run inside a transaction (as under the tests): ANALYZE alone then.
                    verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
                    cursor.execute(f'{verb} "{w.table}"')
        return counts

    def _write_all(self, results, writers, cursor, postgres, counts, bar) -> None:
        for done, parts in results:
            for w, part, key in zip(writers, parts, ("tickets", "messages", "events"), strict=True):
                if postgres:
                    w.copy(cursor, part[1])
                else:
                    w.insert(cursor, part[1])
                counts[key] += part[0]
            bar.update(done)

    def _next_id(self, cursor, model) -> int:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{model._meta.db_table}"')
        return cursor.fetchone()[0]

    def _drop_secondary_indexes(self, cursor, tables: list[str]) -> list[tuple[str, str]]:
        """Drop every index not backing a constraint; return their definitions to rebuild them."""
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            [tables],
        )
        dropped = cursor.fetchall()
        for name, _definition in dropped:
            cursor.execute(f'DROP INDEX "{name}"')
        return dropped


def _accumulate(weights):
    total = 0.0
    s = sum(weights)
    for w in weights:
        total += w / s
        yield total


def _pick(cum: list[float], r: float) -> int:
    # Linear for short lists, bisect for the organization list.
    if len(cum) < 16:
        for k, c in enumerate(cum):
            if r < c:
                return k
        return len(cum) - 1
    return min(bisect.bisect_right(cum, r), len(cum) - 1)


def _ticket_story(
    rng, anchor, status, received, fr_due, res_due, fr_warn, res_warn, techs, long_thread
) -> dict:
    """What happened to one ticket, consistent with what the services would have stored."""
    messages = [(Message.Kind.PUBLIC, False, received, "")]
    events = [
        (TicketEvent.Kind.CREATED, received, "", "", {"channel": "web"}),
        (TicketEvent.Kind.SLA_DUE, received, "", res_due.isoformat() if res_due else "", None),
    ]
    assignee = rng.choice(techs) if (status != Status.NEW or rng.random() < 0.3) else None
    responded = resolved = closed = paused = survey = None
    fr_breached = res_breached = fr_warned = res_warned = None
    close_reason = ""
    last_staff = None
    last_customer = received
    if status != Status.NEW:
        # Most replies land inside the target, about one in eight after it.
        limit = (fr_due - received) if fr_due else timedelta(hours=4)
        responded = received + limit * rng.uniform(0.05, 1.15)
        if responded >= anchor:
            responded = received + (anchor - received) * rng.uniform(0.1, 0.9)
        messages.append((Message.Kind.PUBLIC, True, responded, STAFF_LINES[0]))
        last_staff = responded
        if fr_due:
            met = responded <= fr_due
            events.append(
                (
                    TicketEvent.Kind.SLA_MET if met else TicketEvent.Kind.SLA_BREACHED,
                    responded,
                    "",
                    "first_response",
                    {},
                )
            )
        events.append((TicketEvent.Kind.STATUS, responded, Status.NEW, Status.OPEN, {}))
        if status in (Status.RESOLVED, Status.CLOSED):
            horizon = (res_due - received) if res_due else timedelta(days=5)
            resolved = responded + (horizon * rng.uniform(0.05, 1.1))
            if resolved >= anchor:
                resolved = responded + (anchor - responded) * rng.uniform(0.2, 0.9)
        end = resolved or anchor
        # A long thread holds exactly 50 messages: opening, first reply, these, and the resolving reply.
        extra = (47 if resolved else 48) if long_thread else int(rng.expovariate(1 / 1.2))
        extra = min(extra, 48)
        step = (end - responded) / (extra + 2)
        at = responded
        for k in range(extra):
            at = at + step
            if not long_thread and rng.random() < 0.1:
                messages.append((Message.Kind.INTERNAL, True, at, NOTE_LINES[k % len(NOTE_LINES)]))
                continue
            staff = k % 2 == 1
            messages.append(
                (Message.Kind.PUBLIC, staff, at, (STAFF_LINES if staff else CUSTOMER_LINES)[1 + k % 4])
            )
            if staff:
                last_staff = at
            else:
                last_customer = at
        if resolved:
            messages.append((Message.Kind.PUBLIC, True, resolved, STAFF_LINES[4]))
            last_staff = resolved
            if res_due:
                events.append(
                    (
                        TicketEvent.Kind.SLA_MET if resolved <= res_due else TicketEvent.Kind.SLA_BREACHED,
                        resolved,
                        "",
                        "resolution",
                        {},
                    )
                )
            events.append((TicketEvent.Kind.STATUS, resolved, Status.OPEN, Status.RESOLVED, {}))
            if status == Status.CLOSED:
                closed = resolved + timedelta(days=rng.uniform(0.5, 7))
                if closed >= anchor:
                    status, closed = Status.RESOLVED, None
                else:
                    close_reason = (
                        "Confirmed resolved by the customer"
                        if rng.random() < 0.4
                        else "No reply after resolution"
                    )
                    events.append((TicketEvent.Kind.STATUS, closed, Status.RESOLVED, Status.CLOSED, {}))
                    survey = closed if rng.random() < 0.5 else None
        elif status == Status.WAITING:
            paused = last_staff
            events.append((TicketEvent.Kind.STATUS, paused, Status.OPEN, Status.WAITING, {}))
    # The monitor warns once the stored warn instant passes and flags a breach once the due time
    # passes, each with the target still running: the claim columns as its sweeps left them.
    stop_fr = responded or anchor
    if fr_warn and fr_warn < stop_fr:
        fr_warned = fr_warn + timedelta(minutes=1)
    if fr_due and fr_due < stop_fr:
        fr_breached = fr_due + timedelta(minutes=1)
    stop_res = resolved or paused or anchor
    if res_warn and res_warn < stop_res:
        res_warned = res_warn + timedelta(minutes=1)
    if res_due and res_due < stop_res:
        res_breached = res_due + timedelta(minutes=1)
    messages.sort(key=lambda m: m[2])
    public = [m[2] for m in messages if m[0] == Message.Kind.PUBLIC]
    last_public = max(public)
    updated = max([last_public, closed or received, resolved or received] + [m[2] for m in messages])
    return {
        "status": status,
        "assignee": assignee,
        "responded": responded,
        "resolved": resolved,
        "closed": closed,
        "paused": paused,
        "survey": survey,
        "fr_due_stored": fr_due,
        "fr_warned": fr_warned,
        "res_warned": res_warned,
        "fr_breached": fr_breached,
        "res_breached": res_breached,
        "close_reason": close_reason,
        "last_public": last_public,
        "last_staff": last_staff,
        "last_customer": last_customer,
        "updated": updated,
        "messages": messages,
        "events": events,
    }


CHUNK = 10000  # tickets per batch; fixed, so a seed's rows never depend on how the run was split
_JOB = None  # the Job, set before forking the worker pool


@dataclass
class Job:
    """Everything a worker needs to generate any chunk of one seed's tickets, without the database."""

    seed: int
    n: int
    anchor: datetime
    first_id: int
    orgs: list[tuple[int, int, str]]
    customers: dict[int, list[int]]
    techs: list[int]
    priorities: list[tuple[int, int, str]]
    targets: dict[tuple[int, int], Target]
    cum_org: list[float]
    cum_prio: list[float]
    as_text: bool


def _writers() -> list[Writer]:
    ticket_cols = [
        "id",
        "organization_id",
        "requester_id",
        "cc_emails",
        "subject",
        "description",
        "request_type_id",
        "request_fields",
        "priority_id",
        "priority_rank",
        "plan_id",
        "status",
        "channel",
        "assignee_id",
        "team_id",
        "incident_id",
        "merged_into_id",
        "reopened_from_id",
        "received_at",
        "created_at",
        "updated_at",
        "last_activity_at",
        "last_staff_activity_at",
        "last_customer_activity_at",
        "first_response_due_at",
        "resolution_due_at",
        "first_responded_at",
        "resolved_at",
        "closed_at",
        "sla_paused_at",
        "first_response_warned_at",
        "resolution_warned_at",
        "first_response_breached_at",
        "resolution_breached_at",
        "unassigned_alerted_at",
        "stale_reminded_at",
        "waiting_since",
        "customer_reminders_sent",
        "customer_reminded_at",
        "survey_sent_at",
        "escalated_at",
        "close_reason",
        "about_incident",
        "first_response_warn_at",
        "resolution_warn_at",
    ]
    # Messages and events take their ids from the table's sequence, in COPY order.
    message_cols = [
        "ticket_id",
        "kind",
        "author_id",
        "from_staff",
        "channel",
        "body",
        "body_html",
        "quoted_text",
        "email_message_id",
        "created_at",
    ]
    event_cols = ["ticket_id", "kind", "actor_id", "old_value", "new_value", "reason", "data", "created_at"]
    return [Writer(Ticket, ticket_cols), Writer(Message, message_cols), Writer(TicketEvent, event_cols)]


def _chunk(start: int, job: Job | None = None):
    """Tickets ``start`` .. ``start + CHUNK`` of the job, with their messages and events.

    Each chunk draws from its own ``Random(seed, start)``, so chunks can be built in any process.
    """
    job = job or _JOB
    n, anchor = job.n, job.anchor
    rng = random.Random(f"{job.seed}-tickets-{start}")
    tickets, messages, events = [], [], []
    cum_chan = list(_accumulate([w for _, w in CHANNEL_WEIGHTS]))
    channels = [c.value for c, _ in CHANNEL_WEIGHTS]
    span = timedelta(days=HISTORY_DAYS).total_seconds()
    long_every = max(1, n // LONG_THREADS) if n >= LONG_THREADS else 0
    techs = job.techs
    stop = min(n, start + CHUNK)
    for i in range(start, stop):
        org_id, plan_id, plan_slug = job.orgs[_pick(job.cum_org, rng.random())]
        prio_id, prio_rank, prio_slug = job.priorities[_pick(job.cum_prio, rng.random())]
        target = job.targets.get((plan_id, prio_id))
        tid = job.first_id + i
        # Arrivals spread over the history, in id order like a real table (ids follow time).
        received = anchor - timedelta(seconds=span * (1 - (i + rng.random()) / n))
        requester = rng.choice(job.customers[org_id])
        channel = channels[_pick(cum_chan, rng.random())]
        long_thread = bool(long_every) and i % long_every == long_every // 2
        if (i >= n * 0.9 and rng.random() < 0.85) or rng.random() < 0.017:  # about one in ten still open
            status = rng.choices((Status.NEW, Status.OPEN, Status.WAITING), (0.25, 0.55, 0.20))[0]
        else:
            status = Status.RESOLVED if i >= n * 0.97 and rng.random() < 0.5 else Status.CLOSED
        if long_thread and status == Status.NEW:
            status = Status.OPEN  # fifty messages means someone has answered
        fr_due = res_due = fr_warn = res_warn = None
        if target is not None:
            # As tickets.services._apply_deadlines and tickets.alerts.sla_warn_instants store them.
            cal = target.calendar
            if target.first_response:
                fr_due = add_business_time(received, target.first_response, cal)
                if target.first_response_warn_pct is not None:
                    fr_warn = add_business_time(
                        received, target.first_response * target.first_response_warn_pct / 100, cal
                    )
            if target.resolution:
                res_due = add_business_time(received, target.resolution, cal)
                if target.resolution_warn_pct is not None:
                    res_warn = add_business_time(
                        received, target.resolution * target.resolution_warn_pct / 100, cal
                    )
        t = _ticket_story(
            rng, anchor, status, received, fr_due, res_due, fr_warn, res_warn, techs, long_thread
        )
        subject = (f"{LONG_THREAD_SUBJECT}: " if long_thread else "") + f"{SUBJECTS[i % len(SUBJECTS)]} #{i}"
        description = CUSTOMER_LINES[0].format(n=i % 1000)
        tickets.append(
            (
                tid,
                org_id,
                requester,
                [],
                subject,
                description,
                None,
                {},
                prio_id,
                prio_rank,
                plan_id,
                t["status"],
                channel,
                t["assignee"],
                None,
                None,
                None,
                None,
                received,
                received,
                t["updated"],
                t["last_public"],
                t["last_staff"],
                t["last_customer"],
                t["fr_due_stored"],
                res_due,
                t["responded"],
                t["resolved"],
                t["closed"],
                t["paused"],
                t["fr_warned"],
                t["res_warned"],
                t["fr_breached"],
                t["res_breached"],
                None,
                None,
                t["paused"],
                0,
                None,
                t["survey"],
                None,
                t["close_reason"],
                False,
                fr_warn,
                res_warn,
            )
        )
        for kind, staff, at, body in t["messages"]:
            author = t["assignee"] if staff and t["assignee"] else (rng.choice(techs) if staff else requester)
            messages.append(
                (
                    tid,
                    kind,
                    author,
                    staff,
                    Channel.WEB if staff else channel,
                    body or description,
                    "",
                    "",
                    "",
                    at,
                )
            )
        for kind, at, old, new, data in t["events"]:
            actor = (
                requester
                if kind == TicketEvent.Kind.CREATED
                else (t["assignee"] if kind == TicketEvent.Kind.STATUS else None)
            )
            if kind == TicketEvent.Kind.CREATED:
                data = {"channel": channel}
            elif kind == TicketEvent.Kind.SLA_DUE:
                data = {
                    "start": received.isoformat(),
                    "plan": plan_slug,
                    "priority": prio_slug,
                    "first_response_due_at": fr_due.isoformat() if fr_due else None,
                    "resolution_due_at": res_due.isoformat() if res_due else None,
                }
            events.append((tid, kind, actor, old, new, "", data, at))
    parts = []
    writers = _writers() if job.as_text else (None, None, None)
    for w, rows in zip(writers, (tickets, messages, events), strict=True):
        parts.append((len(rows), w.to_copy(rows) if w else rows))
    return stop, parts
