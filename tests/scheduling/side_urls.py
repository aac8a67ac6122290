"""The site's URLs with this branch's scheduling routes mounted where they will be: the
consultation-request API at /api/v1/consultation-requests, the queue at /consultations/ and
the calendar feeds at /calendar/. Each is added only while ``ketacare.config.urls`` does not
serve it yet, so the tests run unchanged once it does."""

from __future__ import annotations

from django.urls import Resolver404, URLPattern, URLResolver, include, path, resolve

from ketacare.api import problems
from ketacare.api.auth import BearerToken, BrowserSession
from ketacare.config.api import KetacareApi
from ketacare.config.urls import urlpatterns as site_urls
from ketacare.scheduling.requests_api import consultation_router


def _served(url: str) -> bool:
    try:
        resolve(url, urlconf="ketacare.config.urls")
    except Resolver404:
        return False
    return True


urlpatterns: list[URLPattern | URLResolver] = []
if not _served("/api/v1/consultation-requests"):
    side_api = KetacareApi(
        title="ketacare API (consultation requests)",
        version="1",
        auth=[BearerToken(), BrowserSession()],
        urls_namespace="side-api",
        docs_url=None,
        openapi_url=None,
    )
    problems.install(side_api)
    side_api.add_router("/consultation-requests", consultation_router)
    urlpatterns.append(path("api/v1/", side_api.urls))
if not _served("/consultations/"):
    urlpatterns.append(path("consultations/", include("ketacare.scheduling.requests_urls")))
if not _served("/calendar/mine/"):
    urlpatterns.append(path("calendar/", include("ketacare.scheduling.feed_urls")))
urlpatterns += site_urls
