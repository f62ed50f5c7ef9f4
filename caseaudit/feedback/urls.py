from django.urls import path, re_path

from . import views

urlpatterns = [
    path("audit/<int:pk>/ask/", views.feedback_request_new, name="feedback_request_new"),
    path("request/<int:pk>/cancel/", views.feedback_request_cancel, name="feedback_request_cancel"),
    path("audit/<int:pk>/invite/", views.collaboration_invite, name="collaboration_invite"),
    path("audit/<int:pk>/reflection/", views.collaboration_reflect, name="collaboration_reflect"),
    path(
        "audit/<int:pk>/conversation/",
        views.collaboration_conversation,
        name="collaboration_conversation",
    ),
    # Public: no sign-in (views.public).
    path("f/", views.feedback_public_start, name="feedback_public_start"),
    path("f/thanks/", views.feedback_public_thanks, name="feedback_public_thanks"),
    re_path(r"^f/(?P<token>[A-Za-z0-9-]{1,64})/$", views.feedback_public, name="feedback_public"),
]
