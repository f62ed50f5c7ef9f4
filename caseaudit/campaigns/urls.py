from django.urls import path

from . import views

urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("new/", views.campaign_create, name="campaign_create"),
    path("<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("<int:pk>/confirm/", views.campaign_confirm, name="campaign_confirm"),
    path("<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("<int:pk>/report/", views.campaign_report, name="campaign_report"),
    path("cases/<int:pk>/start/", views.campaign_case_start, name="campaign_case_start"),
]
