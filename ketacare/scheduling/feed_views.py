"""The private calendar feed: the ``.ics`` a calendar app fetches (no login: the token in the
path is the key), and the staff member's page to create, replace or revoke their feed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from ketacare.accounts.actor import actor_from_request
from ketacare.accounts.mail import absolute_url
from ketacare.lib.errors import NotVisible

from . import feeds


@require_safe
def calendar_file(request: HttpRequest, token: str) -> HttpResponse:
    # The route's parameter is ``token``, not an id, so a refused fetch is not written to the
    # audit log with it (``oversight.middleware``); logs hide it (``lib.log_filters``).
    try:
        body = feeds.calendar_for_token(token)
    except NotVisible:
        raise Http404("No such calendar feed") from None
    # Never cached (``web.middleware`` answers every page ``Cache-Control: no-store``).
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    return response


def _page(request: HttpRequest, *, url: str = "") -> HttpResponse:
    feed = feeds.active_feed(actor_from_request(request))
    return render(request, "scheduling/feeds/mine.html", {"feed": feed, "url": url})


@login_required
@require_safe
def my_feed(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    """The new feed's URL is shown on this answer only (not cached: ``no-store``), and stored
    nowhere: a form's one-time token keeps only redirects, not this page."""
    _, token = feeds.feed_create(actor_from_request(request))
    return _page(request, url=absolute_url(reverse("calendar:feed", kwargs={"token": token})))


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    feeds.feed_revoke(actor_from_request(request), pk)
    messages.success(request, "Calendar feed revoked: its URL no longer works.")
    return redirect("calendar:mine")
