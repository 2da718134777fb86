"""The compose file, read with a YAML parser and compose's variable interpolation (no Docker needed)."""

import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpdesk.test_deploy import _manage

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("migrate", "web", "worker", "sweeper", "beat")
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY")
VARIABLE = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


class MissingVariable(Exception):
    pass


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's rules: $$ is a literal $, ${X:-default}, ${X-default}, ${X:?error}, ${X?error}."""

    def one(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match["name"], match["op"], match["arg"]
        present = name in env and (env[name] != "" or not (op or "").startswith(":"))
        if present:
            return env[name]
        if op and op.endswith("?"):
            raise MissingVariable(f"{name}: {arg}")
        return arg if op else ""

    return VARIABLE.sub(one, value)


def references(node) -> list[tuple[str, str | None]]:
    """Every ${NAME...} in the file: (name, operator)."""
    if isinstance(node, dict):
        return [ref for value in node.values() for ref in references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in references(value)]
    if isinstance(node, str):
        return [(m["name"], m["op"]) for m in VARIABLE.finditer(node) if m["name"]]
    return []


def test_compose_file_defines_the_production_shaped_stack():
    assert {"postgres", "redis", "migrate", "web", "worker", "beat", "mailpit"} <= set(SERVICES)
    for name in APP_SERVICES:
        env = SERVICES[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
        assert env["DEBUG"] == "false"
    assert "gunicorn" in SERVICES["web"]["command"]
    assert "worker" in SERVICES["worker"]["command"] and "beat" in SERVICES["beat"]["command"]


def test_no_secret_has_a_default_and_compose_refuses_to_start_without_one():
    secret_refs = [(name, op) for name, op in references(COMPOSE) if SECRET_NAME.search(name)]
    assert {name for name, _ in secret_refs} >= {"SECRET_KEY", "ANYMAIL_WEBHOOK_SECRET", "POSTGRES_PASSWORD"}
    assert all(op == ":?" for _, op in secret_refs), secret_refs  # required and non-empty, no fallback
    for name in APP_SERVICES:
        env = SERVICES[name]["environment"]
        for key in ("SECRET_KEY", "ANYMAIL_WEBHOOK_SECRET", "DATABASE_URL"):
            with pytest.raises(MissingVariable):
                interpolate(env[key], {})
    with pytest.raises(MissingVariable):
        interpolate(SERVICES["postgres"]["environment"]["POSTGRES_PASSWORD"], {})
    # No literal secret either: every secret-looking value is made only of a required variable.
    for service in SERVICES.values():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key):
                assert re.fullmatch(r"\$\{\w+:\?[^}]*\}", value), (key, value)
    db_password = re.match(r"postgres://[^:]+:(.+)@", SERVICES["web"]["environment"]["DATABASE_URL"])[1]
    assert db_password.startswith("${POSTGRES_PASSWORD:?")


def _run_command(service: str, host_env: dict[str, str], tmp_path: Path) -> list[str]:
    """Run the service's command with `python` replaced by a stub that logs its arguments."""
    stubs = tmp_path / "bin"
    stubs.mkdir(exist_ok=True)
    log = tmp_path / "calls.log"
    log.write_text("")
    (stubs / "python").write_text(f'#!/bin/sh\necho "$*" >> {log}\n')
    (stubs / "python").chmod(0o755)
    host = {"SECRET_KEY": "k", "ANYMAIL_WEBHOOK_SECRET": "a:b", "POSTGRES_PASSWORD": "p", **host_env}
    container_env = {k: interpolate(str(v), host) for k, v in SERVICES[service]["environment"].items()}
    argv = shlex.split(interpolate(SERVICES[service]["command"], host))
    subprocess.run(argv, env={**container_env, "PATH": f"{stubs}:/usr/bin:/bin"}, check=True, timeout=30)
    return log.read_text().splitlines()


@pytest.mark.parametrize("demo", [None, "0", "", "true", "yes"])
def test_the_stack_loads_no_demo_data_unless_demo_is_1(demo, tmp_path):
    calls = _run_command("migrate", {} if demo is None else {"DEMO": demo}, tmp_path)
    assert calls == ["manage.py check --deploy --fail-level ERROR", "manage.py migrate --noinput"]
    for name, service in SERVICES.items():
        assert "load_demo" not in str(service.get("command", "")) or name == "migrate"


def test_demo_1_loads_the_demo_once_after_migrating(tmp_path):
    calls = _run_command("migrate", {"DEMO": "1"}, tmp_path)
    assert calls == [
        "manage.py check --deploy --fail-level ERROR",
        "manage.py migrate --noinput",
        "manage.py load_demo --force",
    ]


def test_migrations_run_once_in_a_one_shot_service_that_web_and_workers_wait_for():
    migrate = SERVICES["migrate"]
    assert "migrate --noinput" in migrate["command"]
    assert migrate.get("restart", "no") == "no" and "ports" not in migrate
    for name in ("web", "worker", "sweeper", "beat", "mailbox-idle"):
        assert SERVICES[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert SERVICES[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert "migrate" not in SERVICES[name]["command"] and "load_demo" not in SERVICES[name]["command"]


def test_the_image_never_contains_the_env_file():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ".env" in ignored and "!.env.example" in ignored  # the Dockerfile does COPY . .


def test_make_env_writes_fresh_secrets_that_pass_check_deploy(tmp_path):
    target = tmp_path / ".env"
    subprocess.run([sys.executable, str(ROOT / "bin/make-env"), str(target)], check=True, capture_output=True)
    values = dict(line.split("=", 1) for line in target.read_text().splitlines() if line and line[0] != "#")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert values["DEMO"] == "0"
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "ERROR",
        DEBUG="false",
        ALLOWED_HOSTS=values["ALLOWED_HOSTS"],
        SECRET_KEY=values["SECRET_KEY"],
        ANYMAIL_WEBHOOK_SECRET=values["ANYMAIL_WEBHOOK_SECRET"],
        DATABASE_URL=f"postgres://helpdesk:{values['POSTGRES_PASSWORD']}@postgres:5432/helpdesk",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    again = subprocess.run(
        [sys.executable, str(ROOT / "bin/make-env"), str(target)], capture_output=True, text=True
    )
    assert again.returncode != 0 and values == dict(
        line.split("=", 1) for line in target.read_text().splitlines() if line and line[0] != "#"
    )


def test_every_celery_queue_has_workers_and_mail_never_waits_behind_a_sweep():
    from helpdesk.celery import QUEUES

    consumed: dict[str, set[str]] = {}
    for name, service in SERVICES.items():
        command = service.get("command", "")
        if isinstance(command, list):
            command = " ".join(command)
        if "celery" in command and " worker" in command:
            queues = command.split(" -Q ", 1)[1].split()[0].split(",") if " -Q " in command else list(QUEUES)
            for queue in queues:
                consumed.setdefault(queue, set()).add(name)
    assert set(QUEUES) <= set(consumed), f"queues nobody consumes: {set(QUEUES) - set(consumed)}"
    assert not consumed["mail"] & consumed["sweeps"], "mail and sweeps share a worker"


def test_the_s3_override_gives_every_app_service_the_bucket_and_requires_its_keys():
    override = yaml.safe_load((ROOT / "docker-compose.s3.yml").read_text())["services"]
    assert set(override) == set(APP_SERVICES)
    for service in override.values():
        env = service["environment"]
        assert {"S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"} <= set(env)
        for key in ("S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"):
            with pytest.raises(MissingVariable):
                interpolate(env[key], {})
