"""The ledger's pages under /controlled/."""

from django.urls import path

from . import views

app_name = "controlled"

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("lots/", views.lots, name="lots"),
    path("inventory/", views.inventory, name="inventory"),
    path("products/new/", views.product_new, name="product_new"),
    path("receipts/new/", views.receipt_new, name="receipt_new"),
    path("waste/new/", views.waste_new, name="waste_new"),
    path("transfers/new/", views.transfer_new, name="transfer_new"),
    path("counts/new/", views.count_new, name="count_new"),
]
