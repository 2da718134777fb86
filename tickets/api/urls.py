from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from accounts.api import TokenView

from . import views

app_name = "api"

router = SimpleRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register(r"tickets/(?P<ticket_id>[^/]+)/messages", views.MessageViewSet, basename="ticket-message")
router.register(
    r"tickets/(?P<ticket_id>[^/]+)/attachments", views.AttachmentViewSet, basename="ticket-attachment"
)
router.register(r"tickets/(?P<ticket_id>[^/]+)/events", views.EventViewSet, basename="ticket-event")
router.register("priorities", views.PriorityViewSet, basename="priority")
router.register("plans", views.PlanViewSet, basename="plan")
router.register("organizations", views.OrganizationViewSet, basename="organization")

urlpatterns = [
    path("", views.ApiRootView.as_view(), name="root"),
    path("queue/", views.QueueView.as_view(), name="queue"),
    path("auth/token/", TokenView.as_view(), name="token"),  # issue (POST) and revoke (DELETE)
    *router.urls,
    # Anything else under /api/ is a JSON 404, like every other API error.
    re_path(r"^.*$", views.not_found, name="not-found"),
]
