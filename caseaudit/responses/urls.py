from django.urls import path

from . import views

urlpatterns = [
    path("", views.response_list, name="response_list"),
    path("team/", views.response_team, name="response_team"),
    path("audit/<int:audit_pk>/", views.response_for_audit, name="response_for_audit"),
    path("<int:pk>/", views.response_detail, name="response_detail"),
    path("<int:pk>/autosave/", views.response_autosave, name="response_autosave"),
    path("<int:pk>/return/", views.response_return, name="response_return"),
    path("<int:pk>/authorise/", views.response_authorise, name="response_authorise"),
    path("actions/<int:pk>/resolve/", views.action_resolve, name="action_resolve"),
    path("actions/<int:pk>/agree/", views.action_agree, name="action_agree"),
    path("actions/<int:pk>/reopen/", views.action_reopen, name="action_reopen"),
]
