"""Input and output serializers of the roadmap reviews. Nothing here saves a row."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from collab.api.serializers import StrictInputSerializer
from roadmap.reviews.models import Review, ReviewDecision, ReviewState


class ReviewOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    meeting = serializers.IntegerField(source="meeting_id")
    meeting_starts_at = serializers.DateTimeField(source="meeting.starts_at")
    period_start = serializers.DateTimeField()
    period_end = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=ReviewState.choices)
    overdue = serializers.SerializerMethodField()
    pack_built_at = serializers.DateTimeField(allow_null=True)
    session_started_at = serializers.DateTimeField(allow_null=True)
    signed_off_by = serializers.EmailField(
        source="signed_off_by.email", default=None, allow_null=True
    )
    signed_off_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, review: Review) -> str:
        return reverse(
            "api-review-detail",
            kwargs={"slug": self.context["engagement"].slug, "pk": review.pk},
            request=self.context.get("request"),
        )

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, review: Review) -> bool:
        return review.pk in self.context.get("overdue_ids", set())


class SnapshotOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    review = serializers.IntegerField(source="review_id")
    taken_at = serializers.DateTimeField()
    frozen = serializers.BooleanField()
    data = serializers.JSONField()


class DecisionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    ticket = serializers.SerializerMethodField()
    recorded_by = serializers.EmailField(source="recorded_by.email", default=None, allow_null=True)
    created_at = serializers.DateTimeField()

    @extend_schema_field({"type": "string", "nullable": True})
    def get_ticket(self, decision: ReviewDecision) -> str | None:
        return decision.ticket.key if decision.ticket is not None else None


class DecisionInputSerializer(StrictInputSerializer):
    text = serializers.CharField()
    ticket = serializers.CharField(
        max_length=24, required=False, allow_blank=True, help_text=_("A ticket key, e.g. NORD-42.")
    )
