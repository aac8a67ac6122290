"""The schedule's page routes and the methods each answers; their four-way permission test
is tests/scheduling/test_pages.py (the site-wide matrix, tests/web/test_permission_matrix.py,
counts them as covered there)."""

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
