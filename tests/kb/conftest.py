import pytest

from kb.models import Audience, Category
from kb.services import article_create
from tests.conftest import NOW
from tests.factories import PlanFactory


@pytest.fixture
def category(db):
    return Category.objects.create(slug="calls", name="Calls")


@pytest.fixture
def write(tech, category):
    """Publish (or draft) an article as the technician."""

    def make(title, body="", *, audience=Audience.CUSTOMERS, publish=True, plans=(), orgs=(), slug=""):
        article = article_create(
            title=title,
            body=body or f"All about {title.lower()}.",
            by=tech,
            now=NOW,
            category=category,
            audience=audience,
            publish=publish,
            slug=slug,
        )
        article.plans.add(*plans)
        article.organizations.add(*orgs)
        return article

    return make


@pytest.fixture
def library(write, org, other_org):
    """One article of each kind, all about voicemail, so every channel's search finds them all if the
    rule lets it: what each reader may see is the test."""
    gold = PlanFactory(slug="gold", name="Gold")
    return {
        "public": write("Voicemail PIN reset", audience=Audience.PUBLIC),
        "customers": write("Voicemail greeting setup"),
        "staff": write("Voicemail server runbook", audience=Audience.STAFF),
        "draft": write("Voicemail transcription beta", publish=False),
        "acme_only": write("Voicemail for Acme sites", orgs=[org]),
        "globex_only": write("Voicemail for Globex clinics", orgs=[other_org]),
        "gold_plan": write("Voicemail archive on Gold", plans=[gold]),
        "our_plan": write("Voicemail on the Enterprise plan", plans=[org.plan]),
    }


# Which article each reader may read (customer: Acme, Enterprise plan; stranger: Globex, same plan).
EXPECTED = {
    "anonymous": {"public"},
    "unverified": {"public"},
    "customer": {"public", "customers", "acme_only", "our_plan"},
    "stranger": {"public", "customers", "globex_only", "our_plan"},
    "tech": {"public", "customers", "staff", "acme_only", "globex_only", "gold_plan", "our_plan"},
}
