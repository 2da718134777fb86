"""The knowledge base in the API: read-only, and every answer goes through
``Article.objects.visible_to(user)`` (a draft, a staff-only article or another plan's article is a 404,
like one that does not exist)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tickets.api.pagination import _Cursor
from tickets.api.views._common import ERRORS, ApiMixin, ok

from ..models import Article
from ..selectors import article_search, articles_browse, categories_visible
from .serializers import ArticleSerializer, ArticleSummarySerializer, CategorySerializer, SearchHitSerializer

READ = "Everyone signed in; customers see published articles for their plan and organization, staff every published one."


class ArticlePagination(_Cursor):
    ordering = "id"


@extend_schema_view(
    list=extend_schema(
        summary="Knowledge-base articles",
        description=READ + " Filter by `category` (slug).",
        parameters=[OpenApiParameter("category", OpenApiTypes.STR, description="A category's slug.")],
        responses={200: ok(ArticleSummarySerializer(many=True), "The articles, oldest first.")},
    ),
    retrieve=extend_schema(
        summary="One article, by slug",
        description=READ,
        responses={200: ok(ArticleSerializer, "The article.")},
    ),
)
class ArticleViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"
    pagination_class = ArticlePagination
    serializer_class = ArticleSummarySerializer

    def get_queryset(self):
        qs = articles_browse(user=self.request.user)
        if self.action == "retrieve":
            return Article.objects.visible_to(self.request.user).select_related("category", "live_version")
        if slug := self.request.query_params.get("category"):
            qs = qs.filter(category__slug=slug)
        return qs.order_by("id")

    def get_serializer_class(self):
        return ArticleSerializer if self.action == "retrieve" else ArticleSummarySerializer


@extend_schema(
    summary="Knowledge-base categories",
    description=READ + " Only categories with articles the caller may read.",
    responses={200: ok(CategorySerializer(many=True), "The categories, in their order.")},
)
class CategoryListView(ApiMixin, generics.ListAPIView):
    serializer_class = CategorySerializer
    pagination_class = None

    def get_queryset(self):
        return categories_visible(user=self.request.user)


class SearchView(ApiMixin, generics.GenericAPIView):
    serializer_class = SearchHitSerializer
    pagination_class = None

    @extend_schema(
        summary="Search the knowledge base",
        description=READ
        + ' Full-text search (PostgreSQL `websearch_to_tsquery` syntax: words, "quoted phrases", -not, or); '
        "the best 20 matches, ranked, with a snippet. `any=true` matches any word (suggestions while typing).",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True, description="What to look for."),
            OpenApiParameter("any", OpenApiTypes.BOOL, description="Match any word instead of all."),
        ],
        responses={200: ok(SearchHitSerializer(many=True), "Matches, best first."), 400: ERRORS[400]},
    )
    def get(self, request):
        q = request.query_params.get("q", "")
        if not q.strip():
            raise ValidationError({"q": [_("Say what to search for.")]})
        if len(q) > 200:
            raise ValidationError({"q": [_("At most 200 characters.")]})
        any_word = request.query_params.get("any", "").lower() in ("1", "true", "yes")
        hits = article_search(user=request.user, query=q, any_word=any_word)
        return Response(self.get_serializer(hits, many=True).data)
