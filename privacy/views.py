"""The portal's "download my data": a signed-in person exports their own archive (audited)."""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .models import PrivacyRequest
from .services import PrivacyError, TooSoon, privacy_export


@login_required
@require_http_methods(["GET", "POST"])
def my_data(request):
    if request.method == "GET":
        return render(request, "privacy/my_data.html")
    spool = tempfile.TemporaryFile()
    try:
        privacy_export(
            person=request.user,
            by=request.user,
            now=timezone.now(),
            channel=PrivacyRequest.Channel.PORTAL,
            out=spool,
        )
    except TooSoon as exc:
        spool.close()
        return render(request, "privacy/my_data.html", {"error": str(exc)}, status=429)
    except PrivacyError as exc:
        spool.close()
        return HttpResponseForbidden(str(exc))
    spool.seek(0)
    response = FileResponse(spool, as_attachment=True, filename="my-data.zip", content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response
