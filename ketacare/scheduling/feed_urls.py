"""A staff member's private calendar feed (mounted at /calendar/)."""

from django.urls import path

from . import feed_views

app_name = "calendar"

urlpatterns = [
    path("<str:token>.ics", feed_views.calendar_file, name="feed"),
    path("mine/", feed_views.my_feed, name="mine"),
    path("mine/new/", feed_views.create, name="create"),
    path("mine/<int:pk>/revoke/", feed_views.revoke, name="revoke"),
]
