"""What the test provider asserts. A user's groups drive it:

- ``unverified``: ``email_verified`` is false;
- ``role:<value>`` and ``team:<value>``: the values of the ``roles`` and ``teams`` claims (scope
  ``helpdesk``).

Two clients misbehave on purpose (``rogue_clients``), as a compromised or misconfigured provider would:
``rogue-issuer`` signs ID tokens naming another issuer, ``rogue-nonce`` one with another nonce.
"""

from django.utils.translation import gettext_lazy as _
from oidc_provider.lib.claims import ScopeClaims


def _groups(user) -> list[str]:
    return list(user.groups.values_list("name", flat=True))


def userinfo(claims, user):
    claims["name"] = user.get_full_name() or user.username
    claims["email"] = user.email
    claims["email_verified"] = "unverified" not in _groups(user)
    return claims


class HelpdeskScopeClaims(ScopeClaims):
    info_helpdesk = (_("Helpdesk"), _("Your roles and teams."))

    def scope_helpdesk(self):
        groups = _groups(self.user)
        return {
            "roles": [g.removeprefix("role:") for g in groups if g.startswith("role:")],
            "teams": [g.removeprefix("team:") for g in groups if g.startswith("team:")],
        }


def rogue_clients(id_token, user, token, request, **kwargs):
    client_id = token.client.client_id
    if client_id == "rogue-issuer":
        id_token["iss"] = "https://idp.attacker.example/openid"
    elif client_id == "rogue-nonce":
        id_token["nonce"] = "a-nonce-from-another-sign-in"
    return id_token
