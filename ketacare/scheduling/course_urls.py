"""Booking a plan's course."""

from django.urls import path

from . import course_views

app_name = "courses"

urlpatterns = [
    path("plans/<int:pk>/course/", course_views.course, name="course"),
    path("plans/<int:pk>/course/book/", course_views.course_book, name="course_book"),
]
