from django.urls import path

from . import views

urlpatterns = [
    path("", views.selfeval_index, name="selfeval_index"),
    path("new/", views.selfeval_new, name="selfeval_new"),
    path("<int:pk>/", views.selfeval_pack, name="selfeval_pack"),
    path("<int:pk>/edit/", views.selfeval_edit, name="selfeval_edit"),
    path("<int:pk>/refresh/", views.selfeval_refresh, name="selfeval_refresh"),
    path(
        "<int:pk>/send-for-review/",
        views.selfeval_send_for_review,
        name="selfeval_send_for_review",
    ),
    path("<int:pk>/review/", views.selfeval_review, name="selfeval_review"),
    path("<int:pk>/publish/", views.selfeval_publish, name="selfeval_publish"),
    path("<int:pk>/pdf/", views.selfeval_pdf, name="selfeval_pdf"),
    path("<int:pk>/docx/", views.selfeval_docx, name="selfeval_docx"),
]
