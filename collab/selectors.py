"""Reads of the collaboration core."""

from __future__ import annotations

from django.db.models import QuerySet

from collab.models import ApiToken, Engagement, Organization, User


def engagement_list(*, visible: QuerySet[Engagement]) -> QuerySet[Engagement]:
    """Engagements of a visibility scope with their agency and client, by name."""
    return visible.select_related("agency", "client").order_by("name")


def api_token_list(*, engagement: Engagement) -> QuerySet[ApiToken]:
    """An engagement's tokens, newest first, with who created them."""
    return engagement.api_tokens.select_related("created_by").order_by("-created_at")


def agency_list() -> QuerySet[Organization]:
    """Organizations that are agencies."""
    return Organization.objects.filter(kind=Organization.Kind.AGENCY)


def person_get_by_email(*, email: str) -> User | None:
    """The person with this email address (compared without case), if any."""
    return User.objects.filter(email__iexact=email).first()
