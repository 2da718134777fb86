from django.conf import settings
from django.urls import reverse


def article_url(article, *, absolute: bool = False) -> str:
    """The portal page of an article; absolute (``SITE_URL``) for mail and for links in replies."""
    path = reverse("kb:article", args=[article.slug])
    return f"{settings.SITE_URL.rstrip('/')}{path}" if absolute else path
