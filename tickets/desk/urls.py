from django.urls import path

from .views import dashboard, governance, inbound, incidents, queue, saved_views, search, tickets, timesheet

app_name = "desk"
urlpatterns = [
    path("", queue.queue, name="queue"),
    path("rows/", queue.queue_rows, name="queue_rows"),
    path("queue.csv", queue.queue_csv, name="queue_csv"),
    path("bulk/", queue.queue_bulk, name="queue_bulk"),
    path("search/", search.search, name="search"),
    path("views/", saved_views.saved_views, name="saved_views"),
    path("views/<int:pk>/", saved_views.saved_view_edit, name="saved_view_edit"),
    path("views/<int:pk>/move/", saved_views.saved_view_move_view, name="saved_view_move"),
    path("views/<int:pk>/delete/", saved_views.saved_view_delete_view, name="saved_view_delete"),
    path("tickets/new/", tickets.ticket_new, name="ticket_new"),
    path("tickets/<int:pk>/", tickets.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/assign/", tickets.ticket_assign_view, name="ticket_assign"),
    path("tickets/<int:pk>/reply/", tickets.ticket_reply, name="ticket_reply"),
    path("tickets/<int:pk>/presence/", tickets.ticket_presence, name="ticket_presence"),
    path("tickets/<int:pk>/status/", tickets.ticket_status, name="ticket_status"),
    path("tickets/<int:pk>/reclassify/", tickets.ticket_reclassify_view, name="ticket_reclassify"),
    path("tickets/<int:pk>/merge/", tickets.ticket_merge_view, name="ticket_merge"),
    path("tickets/<int:pk>/tags/", tickets.ticket_tags, name="ticket_tags"),
    path("tickets/<int:pk>/incident/", tickets.ticket_link_incident, name="ticket_link_incident"),
    path("attachments/<int:pk>/", tickets.attachment_download, name="attachment_download"),
    path("inbound/", inbound.inbound, name="inbound"),
    path("inbound/senders/<int:pk>/", inbound.inbound_sender_decide, name="inbound_sender_decide"),
    path("inbound/mail/<int:pk>/", inbound.inbound_mail_decide, name="inbound_mail_decide"),
    path("incidents/", incidents.incident_list, name="incidents"),
    path("incidents/<int:pk>/", incidents.incident_detail, name="incident_detail"),
    path("organizations/<int:pk>/abuse/", governance.organization_abuse, name="organization_abuse"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard.csv", dashboard.dashboard_csv, name="dashboard_csv"),
    path("time/", timesheet.timesheet, name="timesheet"),
    path("time.csv", timesheet.timesheet_csv, name="timesheet_csv"),
]
