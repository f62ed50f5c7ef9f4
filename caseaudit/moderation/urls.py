from django.urls import path

from . import calibration_views, views

urlpatterns = [
    path("", views.moderation_index, name="moderation_index"),
    path("samples/generate/", views.moderation_sample_generate, name="moderation_sample_generate"),
    path("samples/<str:month>/", views.moderation_sample, name="moderation_sample"),
    path(
        "samples/<str:month>/confirm/",
        views.moderation_sample_confirm,
        name="moderation_sample_confirm",
    ),
    path("refer/", views.moderation_refer, name="moderation_refer"),
    path("<int:pk>/", views.moderation_detail, name="moderation_detail"),
    path("<int:pk>/swap/", views.moderation_swap, name="moderation_swap"),
    path("<int:pk>/reply/", views.moderation_reply, name="moderation_reply"),
    path("calibration/", calibration_views.calibration_index, name="calibration_index"),
    path("calibration/new/", calibration_views.calibration_new, name="calibration_new"),
    path(
        "calibration/<int:pk>/",
        calibration_views.calibration_exercise,
        name="calibration_exercise",
    ),
    path(
        "calibration/<int:pk>/references/",
        calibration_views.calibration_references,
        name="calibration_references",
    ),
    path(
        "calibration/<int:pk>/close/",
        calibration_views.calibration_close,
        name="calibration_close",
    ),
]
