from django.apps import AppConfig


class ControlledConfig(AppConfig):
    name = "ketacare.controlled"
    label = "controlled"
