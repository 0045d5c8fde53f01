from django.urls import path

from . import views

app_name = "delivery"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/new/<int:contract_pk>/", views.order_create, name="order_create"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("units/<int:pk>/ship/", views.unit_ship, name="unit_ship"),
    path("units/<int:pk>/accept/", views.unit_accept, name="unit_accept"),
    path("units/<int:pk>/correct/", views.unit_correct, name="unit_correct"),
    path("units/accept/", views.units_accept, name="units_accept"),
    path("revenue/", views.revenue, name="revenue"),
]
