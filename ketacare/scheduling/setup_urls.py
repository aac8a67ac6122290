"""The owner's calendar set-up: services, chairs and rooms, hours, holidays and leave."""

from django.urls import path

app_name = "calendar_setup"

urlpatterns: list = []
