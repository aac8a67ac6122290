from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "ketacare.idempotency"
    label = "idempotency"
    verbose_name = "Idempotent writes"
    default_auto_field = "django.db.models.BigAutoField"
