from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from accounts.api import TokenView

from .views import children, config, queue, root, saved_views, tickets, timesheet

app_name = "api"

router = SimpleRouter()
router.register("tickets", tickets.TicketViewSet, basename="ticket")
router.register(r"tickets/(?P<ticket_id>[^/]+)/messages", children.MessageViewSet, basename="ticket-message")
router.register(
    r"tickets/(?P<ticket_id>[^/]+)/attachments", children.AttachmentViewSet, basename="ticket-attachment"
)
router.register(r"tickets/(?P<ticket_id>[^/]+)/events", children.EventViewSet, basename="ticket-event")
router.register("priorities", config.PriorityViewSet, basename="priority")
router.register("plans", config.PlanViewSet, basename="plan")
router.register("organizations", config.OrganizationViewSet, basename="organization")
router.register("tags", config.TagViewSet, basename="tag")
router.register("views", saved_views.SavedViewViewSet, basename="saved-view")

urlpatterns = [
    path("", root.ApiRootView.as_view(), name="root"),
    path("queue/", queue.QueueView.as_view(), name="queue"),
    path("time/", timesheet.TimesheetView.as_view(), name="time"),
    path("auth/token/", TokenView.as_view(), name="token"),  # issue (POST) and revoke (DELETE)
    *router.urls,
    # Anything else under /api/ is a JSON 404, like every other API error.
    re_path(r"^.*$", root.not_found, name="not-found"),
]
