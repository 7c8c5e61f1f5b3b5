"""Template context for the navigation: the engagements a person may switch between."""

from django.http import HttpRequest

from roles.policy import engagements_visible_to


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: evaluated only when a template iterates it (one query).
    return {"nav_engagements": engagements_visible_to(user).only("name", "slug").order_by("name")}
