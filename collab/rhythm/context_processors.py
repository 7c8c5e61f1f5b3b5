"""Template context for the navigation: how many inbox entries the person has not read."""

from django.http import HttpRequest

from collab.models import User
from collab.rhythm.selectors import notification_unread_count


def inbox(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    # Only a signed-in person has an inbox (an API token rendering an error page has none).
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    # One indexed count (the partial index on unread entries).
    return {"inbox_unread": notification_unread_count(person=user)}
