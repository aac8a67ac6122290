"""The front desk's queue of free consultation requests."""

from django.urls import path

from . import requests_book_view, requests_views

app_name = "consultations"

urlpatterns = [
    path("", requests_views.queue, name="queue"),
    path("<int:pk>/contacted/", requests_views.mark_contacted, name="contacted"),
    path("<int:pk>/close/", requests_views.close, name="close"),
    path("<int:pk>/book/", requests_book_view.book, name="book"),
]
