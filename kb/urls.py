from django.urls import path

from . import views

app_name = "kb"
urlpatterns = [
    path("", views.index, name="index"),
    path("articles/<slug:slug>/", views.article, name="article"),
    path("suggest/", views.suggest, name="suggest"),
    path("deflect/", views.deflect, name="deflect"),
    path("desk/", views.desk_list, name="desk_list"),
    path("desk/figures/", views.desk_figures, name="desk_figures"),
    path("desk/new/", views.desk_new, name="desk_new"),
    path("desk/<int:pk>/", views.desk_edit, name="desk_edit"),
    path("desk/<int:pk>/history/", views.desk_history, name="desk_history"),
    path("desk/<int:pk>/history/<int:number>/", views.desk_version, name="desk_version"),
    path("desk/<int:pk>/unpublish/", views.desk_unpublish, name="desk_unpublish"),
    path("desk/from-message/<int:message_id>/", views.desk_from_message, name="desk_from_message"),
    path("desk/tickets/<int:ticket_id>/articles/", views.desk_ticket_articles, name="desk_ticket_articles"),
]
