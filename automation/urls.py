from django.urls import path

from . import views

app_name = "automation"
urlpatterns = [
    path("tickets/<int:pk>/macros/<int:macro_id>/", views.macro_review, name="macro_review"),
    path("tickets/<int:pk>/macros/<int:macro_id>/apply/", views.macro_apply_view, name="macro_apply"),
    path("tickets/<int:pk>/rules/", views.rules_dry_run, name="rules_dry_run"),
    path("macros/", views.macro_list, name="macro_list"),
    path("macros/new/", views.macro_new, name="macro_new"),
    path("macros/<int:pk>/", views.macro_edit, name="macro_edit"),
    path("macros/<int:pk>/delete/", views.macro_delete_view, name="macro_delete"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views.rule_delete_view, name="rule_delete"),
]
