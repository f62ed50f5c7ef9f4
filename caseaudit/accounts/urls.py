from django.urls import path

from . import views

urlpatterns = [
    path("identity/<int:user_id>/", views.identity_change, name="account_identity_change"),
]
