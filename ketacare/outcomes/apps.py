from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "ketacare.outcomes"
    label = "outcomes"
