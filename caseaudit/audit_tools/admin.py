from django.contrib import admin

from .models import ScalingBand, Theme


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order"]


@admin.register(ScalingBand)
class ScalingBandAdmin(admin.ModelAdmin):
    list_display = ["name", "min_score", "max_score", "urgent"]
