from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_safe

from ketacare.accounts.models import Role
from ketacare.patients.models import Patient


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 ``ok`` when the process and its database answer; reads no patient data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, asked for by browsers and bookmarks on their own: a permanent redirect
    to the static icon, without login and without touching the database."""
    return HttpResponsePermanentRedirect(static("ketacare/favicon.svg"))


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    membership = getattr(request, "membership", None)
    if membership is None:
        return render(request, "web/no_clinic.html", status=403)
    if membership.role == Role.PATIENT:
        own = Patient.objects.filter(
            clinic_id=membership.clinic_id, portal_user_id=request.user.pk
        ).first()
        if own is None:
            return render(request, "web/no_clinic.html", status=403)
        return redirect(own.get_absolute_url())
    return redirect("patients:list")
