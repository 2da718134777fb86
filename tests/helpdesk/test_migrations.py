"""A fresh install and an upgraded one end with the same database.

The squashed migrations (``0001_squashed_*`` in accounts, sla and tickets) are what a fresh install runs;
an install that applied the old, branching migrations keeps them and only records the squash as applied.
Each case migrates its own throwaway database (a temporary SQLite file, or a ``helpdesk_hmig_*`` database
beside the one DATABASE_URL names when it is PostgreSQL) in a child process, which prints the schema as
``connection.introspection`` sees it (tables, columns with types and nullability, indexes and
constraints), the rows the migrations create and the migrations recorded as applied. The child process
keeps the migrations' data steps, which write through the default connection, off the test database.

Run as ``python -m tests.helpdesk.test_migrations fresh|upgraded|partial`` it is that child.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The state an install reached with the old graph before the squash: every app's last old migration.
OLD_LEAVES = [
    ("accounts", "0003_api_tokens"),
    ("notifications", "0002_outbox_claimed_by"),
    ("sla", "0005_plan_customer_edit"),
    ("tickets", "0009_merge_filing_keys"),
]
# An install that stopped half-way through the old history (some of each squash's migrations applied):
# Django ignores the squash there and runs the rest of the old migrations.
OLD_MIDWAY = [
    ("accounts", "0002_throttle_cache_table"),
    ("sla", "0003_merge_0002_clocks_0002_priority_policy"),
    ("tickets", "0005_merge_20261122_2336"),
]
SQUASHES = [
    ["accounts", "0001_squashed_0003_api_tokens"],
    ["sla", "0001_squashed_0005_plan_customer_edit"],
    ["tickets", "0001_squashed_0009_merge_filing_keys"],
]


def _database_urls():
    """Yield (url, cleanup) for one throwaway database of the kind the suite runs on."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import environ
        import psycopg2

        config = environ.Env.db_url_config(url)
        name = f"helpdesk_hmig_{uuid.uuid4().hex[:10]}"
        admin = psycopg2.connect(
            dbname="postgres",
            user=config["USER"],
            password=config["PASSWORD"],
            host=config["HOST"],
            port=config["PORT"] or 5432,
        )
        admin.autocommit = True

        def sql(statement):
            with admin.cursor() as cursor:
                cursor.execute(statement)

        sql(f'CREATE DATABASE "{name}"')
        base = url.rsplit("/", 1)[0]

        def cleanup():
            sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()

        return f"{base}/{name}", cleanup
    return None, None


def _migrated(case, tmp_path):
    """Run this module as the child for ``case`` on a new throwaway database; return what it printed."""
    url, cleanup = _database_urls()
    if url is None:
        url = f"sqlite:///{tmp_path / f'{case}.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tests.helpdesk.test_migrations", case],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        if cleanup:
            cleanup()
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    return _migrated("fresh", tmp_path_factory.mktemp("fresh"))


def test_a_fresh_install_runs_the_squashed_migrations_not_the_ones_they_replace(fresh):
    assert all(squash in fresh["plan"] for squash in SQUASHES)
    assert not [key for key in fresh["plan"] if key in fresh["replaced"]]
    # One linear history per app: no app's plan holds two migrations with the same number.
    numbers = [(app, name.split("_")[0]) for app, name in fresh["plan"]]
    assert len(numbers) == len(set(numbers))


def test_a_fresh_install_gets_the_default_request_form_and_the_throttle_table(fresh):
    assert fresh["request_types"] == [["report-a-problem", "Report a problem", True, True]]
    assert "hd_throttle_cache" in fresh["schema"]


def test_the_models_need_no_migration_the_squashes_lack(fresh):
    assert fresh["makemigrations_check"] == "no changes"


@pytest.mark.parametrize("case", ["upgraded", "partial"])
def test_an_upgraded_install_ends_like_a_fresh_one(fresh, case, tmp_path):
    upgraded = _migrated(case, tmp_path)
    assert upgraded["old_steps"] > 0  # the old graph really ran first
    for table in sorted(set(fresh["schema"]) | set(upgraded["schema"])):
        assert upgraded["schema"].get(table) == fresh["schema"].get(table), table
    assert upgraded["definitions"] == fresh["definitions"]
    assert upgraded["rows"] == fresh["rows"]
    assert upgraded["request_types"] == fresh["request_types"]
    # Same record of what ran, so the old files and `replaces` can later go on both alike.
    assert upgraded["applied"] == fresh["applied"]
    assert all(squash in upgraded["applied"] for squash in SQUASHES)


# ----- the child process ---------------------------------------------------------------------------------


def _constraint(info):
    return {key: list(value) if isinstance(value, tuple) else value for key, value in info.items()}


def _definitions(connection, cursor):
    """Each index's and constraint's full definition (partial-index conditions included), as the database
    states it; introspection's get_constraints() leaves conditions out."""
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
            " JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema()"
        )
        rows += cursor.fetchall()
    else:
        cursor.execute(
            "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        )
        rows = cursor.fetchall()
    return {f"{table}.{name}": definition for table, name, definition in rows}


def _snapshot(connection):
    from django.apps import apps
    from django.db.migrations.recorder import MigrationRecorder

    introspection = connection.introspection
    schema, rows = {}, {}
    with connection.cursor() as cursor:
        for table in introspection.get_table_list(cursor):
            if table.type != "t":
                continue
            columns = {
                column.name: {
                    "type": str(column.type_code),
                    "size": column.internal_size,
                    "precision": column.precision,
                    "scale": column.scale,
                    "null": column.null_ok,
                    "default": getattr(column, "default", None),
                }
                for column in introspection.get_table_description(cursor, table.name)
            }
            constraints = {
                name: _constraint(info)
                for name, info in introspection.get_constraints(cursor, table.name).items()
            }
            schema[table.name] = {"columns": columns, "constraints": constraints}
            if table.name != "django_migrations":
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table.name)}")
                rows[table.name] = cursor.fetchone()[0]
        definitions = _definitions(connection, cursor)
    RequestType = apps.get_model("tickets", "RequestType")
    request_types = [
        [r.slug, r.name, r.is_default, r.active]
        for r in RequestType.objects.using(connection.alias).order_by("slug")
    ]
    applied = sorted([list(key) for key in MigrationRecorder(connection).applied_migrations()])
    return {
        "schema": schema,
        "definitions": definitions,
        "rows": rows,
        "request_types": request_types,
        "applied": applied,
    }


def _migrate_with_the_old_graph(connection, targets):
    """Apply the old, unsquashed migrations up to ``targets``, as an install did before the squash."""
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.loader import MigrationLoader

    executor = MigrationExecutor(connection)
    executor.loader = MigrationLoader(connection, replace_migrations=False)
    squashes = {key for key, migration in executor.loader.disk_migrations.items() if migration.replaces}
    plan = executor.migration_plan(targets)
    assert plan and not any((m.app_label, m.name) in squashes for m, _ in plan)
    executor.migrate(targets, plan=plan)
    return len(plan)


def main(case):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    old_steps = 0
    if case == "upgraded":
        old_steps = _migrate_with_the_old_graph(connection, OLD_LEAVES)
    elif case == "partial":
        old_steps = _migrate_with_the_old_graph(connection, OLD_MIDWAY)
    executor = MigrationExecutor(connection)
    plan = [[m.app_label, m.name] for m, _ in executor.migration_plan(executor.loader.graph.leaf_nodes())]
    call_command("migrate", interactive=False, verbosity=0)
    replaced = [list(key) for squash in executor.loader.replacements.values() for key in squash.replaces]
    result = {"plan": plan, "replaced": replaced, "old_steps": old_steps, **_snapshot(connection)}
    if case == "fresh":
        try:
            call_command("makemigrations", check=True, dry_run=True, verbosity=0)
            result["makemigrations_check"] = "no changes"
        except SystemExit:
            result["makemigrations_check"] = "changes detected"
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main(sys.argv[1])
