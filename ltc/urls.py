from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from ltc.core import views as core_views
from ltc.core.i18n import set_language
from ltc.security.docs import DocsView, SchemaView

urlpatterns = [
    path("", core_views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Self-service passwords (Django's views, our templates): a change revokes the user's API
    # tokens (ltc/security/signals.py).
    path("account/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # The language switch also saves the signed-in user's choice (ltc/core/i18n.py).
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("account/", include("ltc.security.urls")),
    path("notifications/", include("ltc.activity.urls")),
    path("activities/", include("ltc.activity.plan_urls")),
    path("customers/", include("ltc.customers.urls")),
    path("search/", include("ltc.search.urls")),
    path("leads/", include("leads.urls")),
    path("opportunities/", include("opportunities.urls")),
    path("products/", include("products.urls")),
    path("tenders/", include("tenders.urls")),
    path("contracts/", include("contracts.urls")),
    path("delivery/", include("delivery.urls")),
    path("complaints/", include("complaints.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("billing/", include("billing.urls")),
    path("audit/", include("ltc.audit.urls")),
    path("attachments/", include("ltc.attachments.urls")),
    path("", include("partners.urls")),  # portal/ (partner users) and partners/
    path("admin/", admin.site.urls),
    path("api/v1/", include("ltc.api_urls")),
    # Behind a login unless DEBUG is on (ltc/security/docs.py).
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
]
