"""The schedule's pages: the day, the week, my day, booking, an appointment."""

app_name = "scheduling"

urlpatterns: list = []
