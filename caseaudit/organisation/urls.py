from django.urls import path

from . import views

urlpatterns = [
    path("", views.team_list, name="team_list"),
    path("<slug:code>/", views.team_detail, name="team_detail"),
]
