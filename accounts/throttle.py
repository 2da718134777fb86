"""Brute-force brakes for every way to present a password, for password reset and for sign-in links.

One throttle: the counters live in the ``throttle`` cache (a database table, so every web process and
server sees the same counts; see ``CACHES`` in settings), in a fixed window. Passwords are checked in
one place, the authentication backend (``accounts.backends``), which asks and feeds this module, so the
web sign-in, the admin's sign-in and the API's token exchange share the same counts.

Counters for a password rule:

- per address *and* client (``per_pair``): one client guessing one account. Stops a single attacker
  after a few tries without touching the owner, who signs in from another client.
- per address (``per_account``, much higher): many clients guessing one account. When it trips, the
  password is refused from everywhere, but the owner can still get in with a one-time sign-in link by
  email (``accounts.services.login_link_send``), so a lockout is never a weapon.
- per client (``per_ip``): one client trying many addresses.

Counts are kept whether or not an account exists, so a refusal tells nothing about accounts. The
client is the socket's address (``REMOTE_ADDR``); ``X-Forwarded-For`` is read only when
``TRUSTED_PROXY_COUNT`` says how many proxies of ours append to it, and then only their hop. IPv6
clients are counted per /64, the block one subscriber usually holds.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches


@dataclass(frozen=True)
class Rule:
    scope: str
    per_account: int
    per_ip: int
    window: int  # seconds
    per_pair: int | None = None


LOGIN = Rule("login", per_pair=5, per_account=50, per_ip=30, window=15 * 60)
PASSWORD_RESET = Rule("reset", per_account=3, per_ip=10, window=60 * 60)
LOGIN_LINK = Rule("link", per_account=3, per_ip=10, window=60 * 60)
# Sign-up forms sent (valid ones): per address, and per client (customer-number guessing).
SIGNUP = Rule("signup", per_account=3, per_ip=10, window=60 * 60)


def _cache():
    return caches[getattr(settings, "THROTTLE_CACHE", "throttle")]


def _key(rule: Rule, kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"throttle:{rule.scope}:{kind}:{digest}"


def _address(value: str) -> str | None:
    try:
        ip = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_ip(request) -> str:
    """The address of the client as our own servers saw it.

    With ``TRUSTED_PROXY_COUNT = 0`` (the default) that is ``REMOTE_ADDR``: any ``X-Forwarded-For`` is
    the client's own words. With N trusted proxies in front, each appending the address it received
    from, the client is the N-th hop from the right; hops further left are the client's words too.
    """
    if request is None:
        return "local"
    remote = _address(request.META.get("REMOTE_ADDR", "")) or "unknown"
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if not hops:
        return remote
    return _address(hops[-min(proxies, len(hops))]) or remote


def _keys(rule: Rule, *, account: str, ip: str) -> list[tuple[str, int]]:
    keys = [(_key(rule, "ip", ip), rule.per_ip)]
    if account.strip():
        keys.append((_key(rule, "account", account), rule.per_account))
        if rule.per_pair is not None:
            keys.append((_key(rule, "pair", f"{account.strip()}|{ip}"), rule.per_pair))
    return keys


def is_blocked(rule: Rule, *, account: str, ip: str) -> bool:
    keys = _keys(rule, account=account, ip=ip)
    values = _cache().get_many([key for key, _ in keys])
    return any(values.get(key, 0) >= limit for key, limit in keys)


def hit(rule: Rule, *, account: str, ip: str) -> None:
    cache = _cache()
    for key, _ in _keys(rule, account=account, ip=ip):
        if cache.add(key, 1, timeout=rule.window):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=rule.window)


def reset_pair(rule: Rule, *, account: str, ip: str) -> None:
    """A successful sign-in clears that client's failures for that address (not the address-wide or
    client-wide counts: an attacker's failures from elsewhere are not forgiven by the owner's success)."""
    _cache().delete(_key(rule, "pair", f"{account.strip()}|{ip}"))


def minutes(rule: Rule) -> int:
    return rule.window // 60
