from django.urls import path

from . import views

urlpatterns = [
    path("", views.improvement_index, name="improvement_index"),
    path("reports/new/", views.report_new, name="improvement_report_new"),
    path("reports/<int:pk>/", views.report_detail, name="improvement_report"),
    path("reports/<int:pk>/edit/", views.report_edit, name="improvement_report_edit"),
    path(
        "reports/<int:pk>/send-for-review/",
        views.report_send_for_review,
        name="improvement_report_send_for_review",
    ),
    path("reports/<int:pk>/review/", views.report_review, name="improvement_report_review"),
    path("reports/<int:pk>/publish/", views.report_publish, name="improvement_report_publish"),
    path("reports/<int:pk>/pdf/", views.report_pdf, name="improvement_report_pdf"),
    path("reports/<int:pk>/docx/", views.report_docx, name="improvement_report_docx"),
    path("actions/", views.action_board, name="improvement_actions"),
    path("actions/<int:pk>/", views.action_detail, name="improvement_action"),
    path("follow-ups/", views.followup_list, name="improvement_followups"),
    path("good-practice/", views.library, name="improvement_library"),
    path(
        "good-practice/audits/<int:audit_pk>/",
        views.good_practice_new,
        name="improvement_good_practice_new",
    ),
    path(
        "good-practice/to-decide/",
        views.good_practice_queue,
        name="improvement_good_practice_queue",
    ),
    path(
        "good-practice/<int:pk>/decide/",
        views.good_practice_decide,
        name="improvement_good_practice_decide",
    ),
]
