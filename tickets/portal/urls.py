from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.ticket_list, name="ticket_list"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/new/<slug:slug>/", views.ticket_new, name="ticket_new_type"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/thread/", views.ticket_thread, name="ticket_thread"),
    path("tickets/<int:pk>/confirm/", views.ticket_confirm, name="ticket_confirm"),
    path("tickets/<int:pk>/close/", views.ticket_close_unresolved, name="ticket_close"),
    path("tickets/<int:pk>/reopen/", views.ticket_reopen_view, name="ticket_reopen"),
    path("tickets/<int:pk>/escalate/", views.ticket_escalate_view, name="ticket_escalate"),
    path("tickets/<int:pk>/edit/", views.ticket_edit, name="ticket_edit"),
    path(
        "tickets/<int:pk>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("survey/<str:token>/", views.survey, name="survey"),
    path("incidents/banner/", views.incident_banner, name="incident_banner"),
]
