from django.contrib import admin

from .models import ClosureDay


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "reason"]
    search_fields = ["reason"]
    date_hierarchy = "date"
    ordering = ["-date"]

    @admin.display(description="Day")
    def weekday(self, obj: ClosureDay) -> str:
        return f"{obj.date:%A}"


def _unregister_third_party() -> None:
    """Two admins other packages register, taken out (docs/adr/0001-no-confidential-records-
    in-admin.md):

    - allauth's sessions: its form shows each session's key, and a session key is a way to act
      as its owner (each person ends their own sessions on their sessions page; disabling an
      account ends all of its);
    - django-tasks' results: a task's return value and traceback can quote what it worked on
      (an import's rows); the worker's log and the import pages show what went wrong."""
    from allauth.usersessions.models import UserSession
    from django_tasks_db.models import DBTaskResult

    for model in (UserSession, DBTaskResult):
        if admin.site.is_registered(model):
            admin.site.unregister(model)


_unregister_third_party()
