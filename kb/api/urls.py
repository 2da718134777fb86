from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "kb-api"

router = SimpleRouter()
router.register("articles", views.ArticleViewSet, basename="article")

urlpatterns = [
    path("categories/", views.CategoryListView.as_view(), name="categories"),
    path("search/", views.SearchView.as_view(), name="search"),
    *router.urls,
]
