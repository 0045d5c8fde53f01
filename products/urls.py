from django.urls import path

from . import views

app_name = "products"
urlpatterns = [
    path("", views.product_list, name="list"),
    path("<int:pk>/", views.product_detail, name="detail"),
    path("<int:pk>/cost/", views.set_cost, name="set_cost"),
    path("import/", views.import_catalogue, name="import"),
    path("price-books/", views.price_book_list, name="price_book_list"),
    path("price-books/<int:pk>/", views.price_book_detail, name="price_book_detail"),
]
