from django.urls import path

from . import views

version = "<slug:code>/v/<int:number>/"
section = version + "sections/<slug:key>/"
question = section + "questions/<slug:qkey>/"

urlpatterns = [
    path("", views.tool_list, name="tool_list"),
    path("bands/", views.bands, name="tool_bands"),
    path("bands/edit/", views.bands_edit, name="tool_bands_edit"),
    path("import/", views.tools_import_page, name="tools_import"),
    path("export.json", views.tools_export_download, name="tools_export"),
    path("<slug:code>/", views.tool_detail, name="tool_detail"),
    path("<slug:code>/draft/", views.draft_create, name="tool_draft_create"),
    path(version, views.version_detail, name="tool_version"),
    path(version + "publish/", views.version_publish, name="tool_version_publish"),
    path(version + "discard/", views.draft_discard, name="tool_draft_discard"),
    path(version + "add-section/", views.section_add, name="tool_section_add"),
    path(section, views.section_edit, name="tool_section_edit"),
    path(section + "delete/", views.section_delete, name="tool_section_delete"),
    path(section + "move/", views.section_move, name="tool_section_move"),
    path(section + "add-question/", views.question_add, name="tool_question_add"),
    path(question, views.question_edit, name="tool_question_edit"),
    path(question + "delete/", views.question_delete, name="tool_question_delete"),
    path(question + "move/", views.question_move, name="tool_question_move"),
]
