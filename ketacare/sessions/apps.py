from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "ketacare.sessions"
    label = "chairside"
