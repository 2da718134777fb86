from django.urls import path

from . import views

app_name = "automation"
urlpatterns = [
    path("tickets/<int:pk>/macros/<int:macro_id>/", views.macro_review, name="macro_review"),
    path("tickets/<int:pk>/macros/<int:macro_id>/apply/", views.macro_apply_view, name="macro_apply"),
    path("tickets/<int:pk>/rules/", views.rules_dry_run, name="rules_dry_run"),
]
