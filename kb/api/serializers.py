from rest_framework import serializers

from ..links import article_url
from ..models import Article, Category


class CategorySerializer(serializers.ModelSerializer):
    article_count = serializers.IntegerField(read_only=True, help_text="Articles the caller may read.")

    class Meta:
        model = Category
        fields = ["slug", "name", "description", "article_count"]


class ArticleSummarySerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    url = serializers.SerializerMethodField(help_text="The article's portal page.")

    class Meta:
        model = Article
        fields = ["id", "slug", "title", "category", "audience", "url", "published_at", "updated_at"]

    def get_url(self, obj) -> str:
        return article_url(obj, absolute=True)


class ArticleSerializer(ArticleSummarySerializer):
    body_html = serializers.CharField(read_only=True, help_text="Rendered from Markdown and sanitised.")
    version = serializers.IntegerField(source="live_version.number", read_only=True, allow_null=True)

    class Meta(ArticleSummarySerializer.Meta):
        fields = [*ArticleSummarySerializer.Meta.fields, "version", "body_html"]


class SearchHitSerializer(ArticleSummarySerializer):
    snippet = serializers.CharField(read_only=True, help_text="HTML: escaped text, hits in <mark>.")
    rank = serializers.FloatField(read_only=True, help_text="Higher is a better match.")

    class Meta(ArticleSummarySerializer.Meta):
        fields = [*ArticleSummarySerializer.Meta.fields, "snippet", "rank"]
