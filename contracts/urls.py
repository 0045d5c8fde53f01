from django.urls import path

from . import views

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="contract_list"),
    path("approvals/", views.approvals, name="approvals"),
    path("new/<int:opportunity_pk>/", views.contract_create, name="contract_create"),
    path("<int:pk>/", views.contract_detail, name="contract_detail"),
    path("<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("<int:pk>/submit/", views.contract_submit, name="contract_submit"),
    path("<int:pk>/costs/", views.contract_costs, name="contract_costs"),
    path("<int:pk>/clear-risk/", views.contract_clear_risk, name="contract_clear_risk"),
    path("<int:pk>/assess/", views.contract_assess, name="contract_assess"),
    path("<int:pk>/decide/", views.contract_decide, name="contract_decide"),
    path("<int:pk>/sign/", views.contract_sign, name="contract_sign"),
    path("<int:pk>/accept/", views.contract_accept, name="contract_accept"),
    path("<int:pk>/evaluate/", views.contract_evaluate, name="contract_evaluate"),
    path("<int:pk>/close/", views.contract_close, name="contract_close"),
    path("<int:pk>/cancel/", views.contract_cancel, name="contract_cancel"),
    path("<int:pk>/changes/", views.change_request, name="change_request"),
    path("changes/<int:pk>/assess/", views.change_assess, name="change_assess"),
    path("changes/<int:pk>/decide/", views.change_decide, name="change_decide"),
    path("changes/<int:pk>/apply/", views.change_apply, name="change_apply"),
    path("quotes/new/<int:opportunity_pk>/", views.quote_create, name="quote_create"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote_detail"),
    path("quotes/<int:pk>/edit/", views.quote_edit, name="quote_edit"),
    path("quotes/<int:pk>/print/", views.quote_print, name="quote_print"),
    path("quotes/<int:pk>/costs/", views.quote_costs, name="quote_costs"),
    path("quotes/<int:pk>/submit/", views.quote_submit, name="quote_submit"),
    path("quotes/<int:pk>/decide/", views.quote_decide, name="quote_decide"),
    path("quotes/<int:pk>/send/", views.quote_send, name="quote_send"),
    path("quotes/<int:pk>/answer/", views.quote_answer, name="quote_answer"),
    path("quotes/<int:pk>/revise/", views.quote_revise, name="quote_revise"),
]
