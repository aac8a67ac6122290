"""Booking a plan's course."""

from django.urls import path

app_name = "courses"

urlpatterns: list = []
