"""Mounted at the root: the portal under ``portal/`` (partner users), the channel manager's
registration pages under ``partners/``."""

from django.urls import path

from . import views

app_name = "partners"
urlpatterns = [
    path("portal/", views.portal, name="portal"),
    path("portal/register/", views.portal_register, name="portal_register"),
    path("portal/registrations/<int:pk>/", views.portal_detail, name="portal_detail"),
    path("partners/registrations/", views.registration_list, name="registration_list"),
    path(
        "partners/registrations/<int:pk>/",
        views.registration_detail,
        name="registration_detail",
    ),
    path("partners/registrations/<int:pk>/accept/", views.accept, name="accept"),
    path("partners/registrations/<int:pk>/reject/", views.reject, name="reject"),
    path("partners/registrations/<int:pk>/renew/", views.renew, name="renew"),
]
