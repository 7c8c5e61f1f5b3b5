"""FilterSets of the collaboration core, shared by the dashboard and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from collab.models import BusinessModel, Engagement, Platform


class EngagementFilter(django_filters.FilterSet):
    """Engagements by status, e-commerce platform and business model."""

    status = django_filters.ChoiceFilter(choices=Engagement.Status.choices, label=_("status"))
    platform = django_filters.ChoiceFilter(choices=Platform.choices, label=_("platform"))
    business_model = django_filters.ChoiceFilter(
        choices=BusinessModel.choices, label=_("business model")
    )

    class Meta:
        model = Engagement
        fields = ["status", "platform", "business_model"]
