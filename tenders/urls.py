from django.urls import path

from . import views

app_name = "tenders"
urlpatterns = [
    path("", views.tender_list, name="list"),
    path("new/<int:opportunity_pk>/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/tasks/", views.add_task, name="add_task"),
    path("<int:pk>/tasks/<int:task_pk>/done/", views.complete_task, name="complete_task"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/won/", views.win, name="win"),
    path("<int:pk>/lost/", views.lose, name="lose"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/bond-returned/", views.return_bond, name="return_bond"),
]
