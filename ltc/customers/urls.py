from django.urls import path

from . import merge_views, pool_views, views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("pool/", pool_views.pool_page, name="pool"),
    path("<int:pk>/claim/", pool_views.claim, name="claim"),
    path("<int:pk>/assign/", pool_views.assign, name="assign"),
    path("<int:pk>/release/", pool_views.release, name="release"),
    path("<int:pk>/log-activity/", pool_views.log_activity, name="log_activity"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/contacts/new/", views.contact_form, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_pk>/edit/", views.contact_form, name="contact_edit"),
    path("<int:pk>/merge/", merge_views.merge, name="merge"),
]
