from django.urls import path

from . import views

urlpatterns = [
    path("", views.notifications, name="notifications"),
    path("read/", views.mark_all_read, name="notifications-read"),
    path("settings/", views.preferences, name="notification-preferences"),
]
