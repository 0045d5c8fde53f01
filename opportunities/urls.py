from django.urls import path

from . import views

app_name = "opportunities"
urlpatterns = [
    path("", views.opportunity_list, name="list"),
    path("board/", views.board, name="board"),
    path("new/", views.create, name="create"),
    path("convert/<int:lead_id>/", views.convert, name="convert"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("reviews/<int:pk>/assess/", views.review_assess, name="review_assess"),
    path("reviews/<int:pk>/decide/", views.review_decide, name="review_decide"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/advance/", views.advance, name="advance"),
    path("<int:pk>/tasks/<slug:code>/complete/", views.task_complete, name="task_complete"),
    path("<int:pk>/reviews/request/", views.review_request, name="review_request"),
    path("<int:pk>/lose/", views.lose, name="lose"),
    path("<int:pk>/win/", views.win, name="win"),
    path("<int:pk>/regrade/", views.regrade, name="regrade"),
    path("<int:pk>/decision-chain/", views.chain_add, name="chain_add"),
    path("<int:pk>/competitors/", views.competitor_add, name="competitor_add"),
    path("<int:pk>/activities/", views.activity_add, name="activity_add"),
]
