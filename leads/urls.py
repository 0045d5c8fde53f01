from django.urls import path

from . import views

app_name = "leads"
urlpatterns = [
    path("", views.lead_list, name="list"),
    path("pool/", views.pool, name="pool"),
    path("mine/", views.mine, name="mine"),
    path("new/", views.create, name="create"),
    path("import/", views.import_leads, name="import"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("import/<int:pk>/resume/", views.import_resume, name="import_resume"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/claim/", views.claim, name="claim"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/release/", views.release, name="release"),
    path("<int:pk>/follow-up/", views.follow_up, name="follow_up"),
    path("<int:pk>/validate/", views.validate, name="validate"),
    path("<int:pk>/disqualify/", views.disqualify, name="disqualify"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/merge/compare/", views.merge_compare, name="merge_compare"),
]
