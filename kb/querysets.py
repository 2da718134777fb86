"""The one visibility rule for articles, composed by every channel (portal, API, search, suggestions,
the acknowledgement mail and the desk's "insert a link")."""

from django.db import models
from django.db.models import Exists, OuterRef, Q

from accounts.identity import is_verified

PUBLIC, CUSTOMERS, STAFF = "public", "customers", "staff"  # kb.models.Audience values


class ArticleQuerySet(models.QuerySet):
    @staticmethod
    def live_q() -> Q:
        """Published: has a live version (drafts and unpublished articles are not)."""
        return Q(published_at__isnull=False)

    def live(self) -> "ArticleQuerySet":
        return self.filter(self.live_q())

    def _restriction(self, org_id: int | None) -> Q:
        """Not limited to plans or organizations, or limited to ones that include ``org_id``."""
        plans = self.model.plans.through.objects.filter(article_id=OuterRef("pk"))
        orgs = self.model.organizations.through.objects.filter(article_id=OuterRef("pk"))
        open_to_all = ~Exists(plans) & ~Exists(orgs)
        if org_id is None:
            return open_to_all
        return (
            open_to_all
            | Exists(plans.filter(supportplan__organizations__id=org_id))
            | Exists(orgs.filter(organization_id=org_id))
        )

    def visible_to(self, user) -> "ArticleQuerySet":
        """Who may read which article, decided once.

        Only published articles, for everyone (drafts live in the desk's editor). Staff read every
        published article. A signed-in, verified customer reads public and customer articles that are
        open to every plan, or limited to their organization's plan or to their organization.
        Anyone else (anonymous, unverified, inactive) reads public articles open to everyone.
        A restricted article is never shown to someone we cannot place in an organization.
        """
        live = self.live()
        if not is_verified(user):
            return live.filter(Q(audience=PUBLIC) & self._restriction(None))
        if user.is_staff:
            return live
        return live.filter(Q(audience__in=(PUBLIC, CUSTOMERS)) & self._restriction(user.organization_id))
