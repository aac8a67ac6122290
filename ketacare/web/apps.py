from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ketacare.web"
    label = "web"
