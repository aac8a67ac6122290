"""The schedule's page routes and the methods each answers: tests/scheduling/test_pages.py
tests them four ways with the page's own data, beside the site-wide matrix
(tests/web/test_permission_matrix.py), which lists them too."""

from __future__ import annotations

PAGE_ROUTES: dict[str, tuple[str, ...]] = {
    "schedule/": ("GET",),
    "schedule/week/": ("GET",),
    "schedule/mine/": ("GET",),
    "schedule/book/": ("GET", "POST"),
    "schedule/appointments/<int:pk>/": ("GET",),
    "schedule/appointments/<int:pk>/check-in/": ("POST",),
    "schedule/appointments/<int:pk>/no-show/": ("POST",),
    "schedule/appointments/<int:pk>/cancel/": ("POST",),
    "schedule/appointments/<int:pk>/reschedule/": ("POST",),
}
