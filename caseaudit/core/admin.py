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
