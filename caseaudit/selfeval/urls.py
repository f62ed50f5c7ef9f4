from django.urls import path

from . import views

urlpatterns = [
    path("", views.selfeval_index, name="selfeval_index"),
]
