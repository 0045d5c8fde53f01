from rest_framework.routers import DefaultRouter

from .views import PriceBookViewSet, ProductViewSet

router = DefaultRouter(trailing_slash=True)
router.register("products", ProductViewSet, basename="product")
router.register("price-books", PriceBookViewSet, basename="price-book")
urlpatterns = router.urls
