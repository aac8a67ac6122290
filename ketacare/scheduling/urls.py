"""The schedule's pages: the day, the week, my day, booking, an appointment."""

from django.urls import path

app_name = "scheduling"

urlpatterns: list = []
