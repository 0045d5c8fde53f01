from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.manager_dashboard, name="manager"),
    path("mine/", views.my_dashboard, name="mine"),
    path("records/", views.records, name="records"),
    path("export/", views.export, name="export"),
    path("targets/", views.targets, name="targets"),
    path("campaigns/", views.campaigns, name="campaigns"),
]
