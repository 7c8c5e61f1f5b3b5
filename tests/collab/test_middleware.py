"""Each signed-in person sees times in their own zone and pages in their own language."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone, translation

from collab.middleware import PersonPreferencesMiddleware
from tests.factories import UserFactory


def _seen_by(user, cookies=None):
    seen = {}

    def view(request):
        seen["zone"] = timezone.get_current_timezone_name()
        seen["language"] = translation.get_language()
        return HttpResponse()

    request = RequestFactory().get("/")
    request.COOKIES.update(cookies or {})
    request.user = user
    with translation.override("en"):
        PersonPreferencesMiddleware(view)(request)
    return seen


@pytest.mark.django_db
def test_a_signed_in_person_gets_their_time_zone_and_language():
    person = UserFactory(time_zone="America/Montreal", language="fr")

    assert _seen_by(person) == {"zone": "America/Montreal", "language": "fr"}


@pytest.mark.django_db
def test_the_language_switch_cookie_wins_over_the_profile_for_that_browser():
    person = UserFactory(time_zone="Asia/Tokyo", language="fr")

    assert _seen_by(person, cookies={"django_language": "en"}) == {
        "zone": "Asia/Tokyo",
        "language": "en",
    }


def test_an_anonymous_visitor_sees_utc():
    from django.contrib.auth.models import AnonymousUser

    assert _seen_by(AnonymousUser())["zone"] == "UTC"


@pytest.mark.django_db
def test_the_zone_does_not_leak_into_the_next_request():
    _seen_by(UserFactory(time_zone="Pacific/Auckland"))

    assert timezone.get_current_timezone_name() == "UTC"
