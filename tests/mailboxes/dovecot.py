"""A real Dovecot IMAP server on loopback for the mailbox tests, and a real OAuth2 token server beside it.

Dovecot (Debian's dovecot-imapd, installed by .ci/run) runs from a private configuration in a temporary
directory: plain IMAP on a free 127.0.0.1 port, any user name with the password ``s3cret`` (so each test
has its own mailbox), and XOAUTH2 checked by Dovecot's oauth2 passdb against the token server's
introspection endpoint, the way a provider's IMAP server checks the tokens it issued.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "s3cret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class TokenServer:
    """OAuth2 token endpoint (refresh_token grant) and RFC 7662 introspection, in memory."""

    client_id: str = "helpdesk-app"
    client_secret: str = "app-secret"
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh token -> user
    access_tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # token -> (user, expiry)
    codes: dict[str, str] = field(default_factory=dict)  # authorization code -> user
    requests: list[dict] = field(default_factory=list)
    lifetime: int = 3600
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def grant(self, user: str) -> str:
        token = secrets.token_urlsafe(16)
        self.refresh_tokens[token] = user
        return token

    def issue(self, user: str) -> dict:
        access = secrets.token_urlsafe(16)
        self.access_tokens[access] = (user, time.time() + self.lifetime)
        refresh = secrets.token_urlsafe(16)
        self.refresh_tokens[refresh] = user
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.lifetime,
            "refresh_token": refresh,
        }

    def handle(self, path: str, form: dict[str, str]) -> tuple[int, dict]:
        self.requests.append({"path": path, **form})
        if path == "/introspect":
            user, expiry = self.access_tokens.get(form.get("token", ""), ("", 0))
            if not user or expiry < time.time():
                return 200, {"active": False}
            return 200, {"active": True, "username": user}
        if path == "/token":
            if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
                return 401, {"error": "invalid_client"}
            if form.get("grant_type") == "refresh_token":
                user = self.refresh_tokens.pop(form.get("refresh_token", ""), "")  # rotated: single use
            elif form.get("grant_type") == "authorization_code":
                user = self.codes.pop(form.get("code", ""), "")
            else:
                return 400, {"error": "unsupported_grant_type"}
            if not user:
                return 400, {"error": "invalid_grant", "error_description": "token revoked or unknown"}
            return 200, self.issue(user)
        return 404, {"error": "not_found"}


def _serve_tokens(server: TokenServer) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            form = {k: v[0] for k, v in parse_qs(body).items()}
            status, payload = server.handle(self.path, form)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@dataclass
class Dovecot:
    host: str
    port: int
    root: Path
    tokens: TokenServer

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
first_valid_uid = 1
default_login_user = {login_user}
default_internal_user = {internal_user}
mail_location = maildir:{root}/mail/%u
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = static
  mechanisms = plain login
  args = password={password}
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%u
}}
"""


def start_dovecot(root: Path) -> tuple[Dovecot, subprocess.Popen, ThreadingHTTPServer]:
    if not os.path.exists(DOVECOT):
        if os.environ.get("CI"):
            pytest.fail("dovecot is not installed: .ci/run installs Debian's dovecot-imapd")
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    tokens = TokenServer()
    httpd = _serve_tokens(tokens)
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir(parents=True)
    if os.geteuid() == 0:  # Dovecot never serves mail as root: the package's own users do the work
        login_user, internal_user, mail_user = "dovenull", "dovecot", "dovecot"
        entry = pwd.getpwnam(mail_user)
        os.chown(root / "mail", entry.pw_uid, entry.pw_gid)
        mail_group = entry.pw_gid
    else:  # an unprivileged Dovecot runs everything as the one user
        me = pwd.getpwuid(os.geteuid())
        login_user = internal_user = mail_user = me.pw_name
        mail_group = me.pw_gid
    (root / "oauth2.conf").write_text(
        f"introspection_mode = post\nintrospection_url = {tokens.url}/introspect\n"
        "username_attribute = username\nactive_attribute = active\nactive_value = true\n"
        "force_introspection = yes\n"
    )
    port = free_port()
    (root / "dovecot.conf").write_text(
        CONFIG.format(
            root=root,
            port=port,
            password=PASSWORD,
            login_user=login_user,
            internal_user=internal_user,
            mail_user=mail_user,
            mail_group=mail_group,
        )
    )
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited: {process.stdout.read().decode(errors='replace')}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("dovecot did not listen within 20 s")
    return Dovecot("127.0.0.1", port, root, tokens), process, httpd
