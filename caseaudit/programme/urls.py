from django.urls import path

from . import views

urlpatterns = [
    path("", views.programme_index, name="programme_index"),
    path("generate/", views.programme_generate, name="programme_generate"),
    path("due/", views.due_list, name="due_list"),
    path("<str:month>/", views.programme_month, name="programme_month"),
    path("<str:month>/confirm/", views.programme_confirm, name="programme_confirm"),
    path("allocations/<int:pk>/swap/", views.allocation_swap, name="allocation_swap"),
    path(
        "allocations/<int:pk>/reallocate/",
        views.allocation_reallocate,
        name="allocation_reallocate",
    ),
    path("allocations/<int:pk>/start/", views.allocation_start, name="allocation_start"),
    path("allocations/<int:pk>/chase/", views.allocation_chase, name="allocation_chase"),
]
