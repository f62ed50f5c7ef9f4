from django.urls import path

from . import views

urlpatterns = [
    path("", views.notification_list, name="notification_list"),
    path("settings/", views.notification_settings, name="notification_settings"),
    path("read-all/", views.notification_mark_all_read, name="notification_mark_all_read"),
    path("<int:pk>/", views.notification_open, name="notification_open"),
]
