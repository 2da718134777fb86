"""Load django-helpdesk (the peer) with the same volume as ``seed_bulk``: N tickets, ~10% open, a few
follow-ups per ticket, ten 50-follow-up threads, by COPY into its own tables. Runs in the peer venv.

Idempotent: when the ticket count already matches, nothing happens.
"""

import argparse
import io
import os
import random
import sys
import uuid
from datetime import UTC, datetime, timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerproj.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from helpdesk.models import FollowUp, Queue, Ticket  # noqa: E402

User = get_user_model()
OPEN, REOPENED, RESOLVED, CLOSED = 1, 2, 3, 4
# django-helpdesk priorities: 1 critical .. 5 very low; the same shares as ours (urgent rare, normal dominant).
PRIORITIES = ((1, 0.02), (2, 0.10), (3, 0.60), (4, 0.20), (5, 0.08))


def esc(v) -> str:
    if v is None:
        return "\\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, datetime):
        return v.isoformat()
    return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def copy(cursor, model, columns, rows) -> None:
    buf = io.StringIO("".join("\t".join(esc(v) for v in row) + "\n" for row in rows))
    cols = ", ".join(f'"{c}"' for c in columns)
    cursor.copy_expert(f'COPY "{model._meta.db_table}" ({cols}) FROM STDIN', buf)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, required=True)
    parser.add_argument("--organizations", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    n = args.tickets
    if Ticket.objects.count() == n:
        print(f"peer: {n:,} tickets already present")
        return
    rng = random.Random(args.seed)
    anchor = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    span = timedelta(days=730).total_seconds()
    password = make_password("bench")
    with transaction.atomic():
        with connection.cursor() as c:
            c.execute(f'TRUNCATE "{FollowUp._meta.db_table}", "{Ticket._meta.db_table}" CASCADE')
        queues = []
        for slug, title in (("voice", "Voice"), ("portal", "Portal"), ("billing", "Billing")):
            q, _ = Queue.objects.get_or_create(
                slug=slug, defaults={"title": title, "email_address": f"{slug}@peer.test"}
            )
            queues.append(q)
        n_techs = max(5, min(200, n // 5000))
        for i in range(n_techs):
            User.objects.get_or_create(
                username=f"tech{i}",
                defaults={"email": f"tech{i}@peer.test", "is_staff": True, "password": password},
            )
        User.objects.get_or_create(
            username="admin",
            defaults={
                "email": "admin@peer.test",
                "is_staff": True,
                "is_superuser": True,
                "password": password,
            },
        )
        techs = list(User.objects.filter(is_staff=True).values_list("pk", flat=True))
        customers = [f"c{i}-{j}@o{i}.peer.test" for i in range(args.organizations) for j in range(3)]

        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute('SELECT COALESCE(MAX(id), 0) + 1 FROM "helpdesk_ticket"')
            tid = cursor.fetchone()[0]
            t_cols = [
                "id",
                "title",
                "queue_id",
                "created",
                "modified",
                "submitter_email",
                "assigned_to_id",
                "status",
                "on_hold",
                "description",
                "resolution",
                "priority",
                "due_date",
                "last_escalation",
                "secret_key",
                "kbitem_id",
                "merged_to_id",
            ]
            f_cols = [
                "ticket_id",
                "date",
                "title",
                "comment",
                "public",
                "user_id",
                "new_status",
                "message_id",
                "time_spent",
                "email_recipients",
            ]
            extra_t = [f for f in Ticket._meta.concrete_fields if f.column not in t_cols]
            extra_f = [
                f for f in FollowUp._meta.concrete_fields if f.column not in f_cols and not f.primary_key
            ]
            if extra_t or extra_f:
                sys.exit(
                    f"peer model has columns this loader does not fill: {[f.column for f in extra_t + extra_f]}"
                )
            long_every = max(1, n // 10)
            tickets, follows = [], []
            for i in range(n):
                created = anchor - timedelta(seconds=span * (1 - (i + rng.random()) / n))
                is_open = (i >= n * 0.9 and rng.random() < 0.85) or rng.random() < 0.017
                status = (
                    (OPEN if rng.random() < 0.9 else REOPENED)
                    if is_open
                    else rng.choice((RESOLVED, CLOSED, CLOSED, CLOSED))
                )
                prio = rng.choices([p for p, _ in PRIORITIES], [w for _, w in PRIORITIES])[0]
                long_thread = i % long_every == long_every // 2
                n_follow = 50 if long_thread else 1 + int(rng.expovariate(1 / 2.7))
                step = timedelta(hours=rng.uniform(0.5, 30))
                at = created
                for k in range(n_follow):
                    at = at + step
                    if at >= anchor:
                        at = anchor - timedelta(seconds=n_follow - k)
                    last = k == n_follow - 1
                    follows.append(
                        (
                            tid,
                            at,
                            "Comment" if not last or is_open else "Closed",
                            "Thanks, we are looking into it."
                            if k % 2
                            else "Any update on this? It is still happening.",
                            True,
                            rng.choice(techs) if k % 2 else None,
                            None if is_open or not last else status,
                            None,
                            None,
                            "[]",
                        )
                    )
                subject = ("Long thread: " if long_thread else "") + f"Outbound calls failing #{i}"
                tickets.append(
                    (
                        tid,
                        subject,
                        rng.choice(queues).pk,
                        created,
                        at,
                        rng.choice(customers),
                        rng.choice(techs) if (not is_open or rng.random() < 0.7) else None,
                        status,
                        False,
                        "Product: Fuse. Started yesterday; consistent.",
                        "" if is_open else "Fixed on the carrier side.",
                        prio,
                        None,
                        None,
                        uuid.UUID(int=rng.getrandbits(128)).hex[:36],
                        None,
                        None,
                    )
                )
                tid += 1
                if len(tickets) >= 20000 or i == n - 1:
                    copy(cursor, Ticket, t_cols, tickets)
                    copy(cursor, FollowUp, f_cols, follows)
                    tickets, follows = [], []
                    sys.stderr.write(f"\rpeer {i + 1:,}/{n:,}")
            sys.stderr.write("\n")
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('helpdesk_ticket', 'id'), (SELECT MAX(id) FROM helpdesk_ticket))"
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE helpdesk_ticket")
        cursor.execute("ANALYZE helpdesk_followup")
    print(f"peer: {Ticket.objects.count():,} tickets, {FollowUp.objects.count():,} follow-ups")


if __name__ == "__main__":
    main()
