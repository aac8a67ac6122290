from django.urls import path

from . import views

app_name = "treatment"

urlpatterns = [
    path("patients/<uuid:pk>/plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/adjust/", views.plan_adjust, name="plan_adjust"),
    path("plans/<int:pk>/sign/", views.plan_sign, name="plan_sign"),
    path("plans/<int:pk>/revise/", views.plan_revise, name="plan_revise"),
]
