"""Brute-force brakes for sign-in and password reset (Django has none of its own).

Failures are counted in the ``throttle`` cache (a database table, so every web process sees the same
counts; see ``CACHES`` in settings) per submitted address and per client IP, in a fixed window.
The address counter is kept whether or not an account exists, so a refusal tells nothing about
accounts; the IP limit is higher than the address limit, so one person hammering an account does not
lock out colleagues behind the same network address.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches


@dataclass(frozen=True)
class Rule:
    scope: str
    per_account: int
    per_ip: int
    window: int  # seconds


LOGIN = Rule("login", per_account=5, per_ip=30, window=15 * 60)
PASSWORD_RESET = Rule("reset", per_account=3, per_ip=10, window=60 * 60)


def _cache():
    return caches[getattr(settings, "THROTTLE_CACHE", "throttle")]


def _key(rule: Rule, kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"throttle:{rule.scope}:{kind}:{digest}"


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless the proxy rewrites REMOTE_ADDR.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _keys(rule: Rule, *, account: str, ip: str) -> list[tuple[str, int]]:
    keys = [(_key(rule, "ip", ip), rule.per_ip)]
    if account.strip():
        keys.append((_key(rule, "account", account), rule.per_account))
    return keys


def is_blocked(rule: Rule, *, account: str, ip: str) -> bool:
    cache = _cache()
    values = cache.get_many([key for key, _ in _keys(rule, account=account, ip=ip)])
    return any(values.get(key, 0) >= limit for key, limit in _keys(rule, account=account, ip=ip))


def hit(rule: Rule, *, account: str, ip: str) -> None:
    cache = _cache()
    for key, _ in _keys(rule, account=account, ip=ip):
        if cache.add(key, 1, timeout=rule.window):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=rule.window)


def reset_account(rule: Rule, *, account: str) -> None:
    """A successful sign-in clears that address's failures (not the IP's)."""
    _cache().delete(_key(rule, "account", account))


def minutes(rule: Rule) -> int:
    return rule.window // 60
