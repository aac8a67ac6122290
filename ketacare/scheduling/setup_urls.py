"""The owner's calendar set-up: services, chairs and rooms, hours, holidays and leave."""

app_name = "calendar_setup"

urlpatterns: list = []
