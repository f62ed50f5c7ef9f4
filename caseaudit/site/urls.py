"""The cross-app pages: the case page (`cases/<pk>/`, beside the cases app's own pages) and
the accessibility statement (`accessibility/`, public); the home page is mounted in
`caseaudit/urls.py`."""

from django.urls import path

from . import views

urlpatterns = [
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("accessibility/", views.accessibility_statement, name="accessibility_statement"),
]
