"""Booking a plan's course."""

app_name = "courses"

urlpatterns: list = []
