"""The chair's pages: starting a session, the chair page and its forms, and the board."""

from django.urls import path

from . import views

app_name = "sessions"

urlpatterns = [
    path("board/", views.board_view, name="board"),
    path("board/grid/", views.board_grid, name="board_grid"),
    path("start/<int:appointment_id>/", views.start, name="start"),
    path("<int:pk>/", views.chair, name="chair"),
    path("<int:pk>/live/", views.chair_live, name="live"),
    path("<int:pk>/predose/", views.predose, name="predose"),
    path("<int:pk>/decision/", views.decision, name="decision"),
    path("<int:pk>/dose/", views.dose, name="dose"),
    path("<int:pk>/doses/<int:dose_id>/rate/", views.rate, name="rate"),
    path("<int:pk>/doses/<int:dose_id>/end/", views.end, name="end"),
    path("<int:pk>/vitals/", views.vitals, name="vitals"),
    path("<int:pk>/moaas/", views.moaas, name="moaas"),
    path("<int:pk>/cadss/", views.cadss, name="cadss"),
    path("<int:pk>/event/", views.event, name="event"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/discharge/", views.discharge_view, name="discharge"),
    path("<int:pk>/note/", views.note_save, name="note"),
    path("<int:pk>/note/sign/", views.note_sign, name="note_sign"),
    path("<int:pk>/note/addenda/", views.addendum, name="addendum"),
]
