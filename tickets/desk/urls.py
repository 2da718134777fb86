from django.urls import path

from . import views

app_name = "desk"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("rows/", views.queue_rows, name="queue_rows"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/assign/", views.ticket_assign_view, name="ticket_assign"),
    path("tickets/<int:pk>/reply/", views.ticket_reply, name="ticket_reply"),
    path("tickets/<int:pk>/status/", views.ticket_status, name="ticket_status"),
    path("tickets/<int:pk>/reclassify/", views.ticket_reclassify_view, name="ticket_reclassify"),
    path("tickets/<int:pk>/merge/", views.ticket_merge_view, name="ticket_merge"),
    path("tickets/<int:pk>/incident/", views.ticket_link_incident, name="ticket_link_incident"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("inbound/", views.inbound, name="inbound"),
    path("inbound/senders/<int:pk>/", views.inbound_sender_decide, name="inbound_sender_decide"),
    path("inbound/mail/<int:pk>/", views.inbound_mail_decide, name="inbound_mail_decide"),
    path("incidents/", views.incident_list, name="incidents"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("organizations/<int:pk>/abuse/", views.organization_abuse, name="organization_abuse"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard.csv", views.dashboard_csv, name="dashboard_csv"),
]
