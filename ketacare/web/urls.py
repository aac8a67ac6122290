from django.urls import path

from . import styleguide, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    # Development only: the view answers 404 unless settings.DEBUG.
    path("dev/style-guide/", styleguide.style_guide, name="style_guide"),
]
