"""The schedule's pages: the day, the week, my day, booking, an appointment."""

from django.urls import path

from . import book_views, views

app_name = "scheduling"

urlpatterns = [
    path("", views.day_view, name="day"),
    path("week/", views.week_view, name="week"),
    path("mine/", views.my_day, name="mine"),
    path("book/", book_views.book, name="book"),
    path("appointments/<int:pk>/", views.appointment_detail, name="appointment"),
    path(
        "appointments/<int:pk>/check-in/", views.appointment_check_in, name="appointment_check_in"
    ),
    path("appointments/<int:pk>/no-show/", views.appointment_no_show, name="appointment_no_show"),
    path("appointments/<int:pk>/cancel/", views.appointment_cancel, name="appointment_cancel"),
    path(
        "appointments/<int:pk>/reschedule/",
        views.appointment_reschedule,
        name="appointment_reschedule",
    ),
]
