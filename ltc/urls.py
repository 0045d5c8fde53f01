from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ltc.core import views as core_views
from ltc.core.i18n import set_language

urlpatterns = [
    path("", core_views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The language switch also saves the signed-in user's choice (ltc/core/i18n.py).
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("notifications/", include("ltc.activity.urls")),
    path("activities/", include("ltc.activity.plan_urls")),
    path("customers/", include("ltc.customers.urls")),
    path("search/", include("ltc.search.urls")),
    path("leads/", include("leads.urls")),
    path("opportunities/", include("opportunities.urls")),
    path("contracts/", include("contracts.urls")),
    path("delivery/", include("delivery.urls")),
    path("dashboards/", include("ltc.dashboards.urls")),
    path("billing/", include("billing.urls")),
    path("audit/", include("ltc.audit.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("ltc.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
