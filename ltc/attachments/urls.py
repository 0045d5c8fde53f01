from django.urls import path

from . import views

app_name = "attachments"
urlpatterns = [
    path("<str:label>/<int:object_id>/", views.panel, name="panel"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
