from django.urls import path

from . import views

app_name = "desk"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
]
