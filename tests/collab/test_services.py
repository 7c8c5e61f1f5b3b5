"""Engagements and people: bad input gets a clear field error and saves nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from collab import services
from collab.models import ApiToken, Engagement, Organization
from tests.factories import AgencyFactory, UserFactory

VALID = {
    "name": "Fromagerie Alpine",
    "platform": "shopware",
    "business_model": "b2c",
    "currency": "CHF",
    "client_hourly_cost": Decimal("80"),
    "agency_day_rate": Decimal("1100"),
    "sync_weekday": 3,
    "sync_time": "09:30",
    "sync_time_zone": "Europe/Zurich",
}


def _create(**overrides):
    fields = {**VALID, **overrides}
    return services.engagement_create(
        agency=AgencyFactory(),
        client_name=fields.pop("client_name", "Fromagerie Alpine SA"),
        slug=fields.pop("slug", "fromagerie"),
        key_prefix=fields.pop("key_prefix", "FROM"),
        **fields,
    )


@pytest.mark.django_db
def test_an_engagement_is_created_with_its_client():
    engagement = _create()

    assert engagement.client.name == "Fromagerie Alpine SA"
    assert engagement.client.kind == Organization.Kind.CLIENT
    assert (engagement.currency, engagement.sync_time_zone) == ("CHF", "Europe/Zurich")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sync_time_zone": "Europe/Atlantis"}, "sync_time_zone"),
        ({"sync_weekday": 7}, "sync_weekday"),
        ({"currency": "EUX"}, "currency"),
        ({"currency": "eur"}, "currency"),
        ({"client_hourly_cost": Decimal("-1")}, "client_hourly_cost"),
        ({"agency_day_rate": Decimal("-0.01")}, "agency_day_rate"),
        ({"key_prefix": "nord"}, "key_prefix"),
        ({"client_name": "  "}, "client_name"),
    ],
)
def test_bad_engagement_input_names_the_field_and_saves_nothing(overrides, field):
    with pytest.raises(ValidationError) as error:
        _create(**overrides)

    assert field in error.value.message_dict
    assert not Engagement.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["slug", "key_prefix"])
def test_duplicate_slug_or_key_prefix_is_refused(field):
    _create()
    other = {
        "slug": "other",
        "key_prefix": "OTHR",
        field: {"slug": "fromagerie", "key_prefix": "FROM"}[field],
    }

    with pytest.raises(ValidationError) as error:
        _create(name="Another", **other)

    assert field in error.value.message_dict
    assert Engagement.objects.count() == 1


@pytest.mark.django_db
def test_update_refuses_slug_changes_and_keeps_the_row(engagement):
    with pytest.raises(ValidationError):
        services.engagement_update(engagement=engagement, data={"slug": "new"})
    with pytest.raises(ValidationError) as error:
        services.engagement_update(engagement=engagement, data={"sync_weekday": 9, "name": "X"})

    engagement.refresh_from_db()
    assert (engagement.slug, engagement.name, engagement.sync_weekday) == (
        "nordfer",
        "Nordfer Industrie",
        1,
    )
    assert "sync_weekday" in error.value.message_dict


@pytest.mark.django_db
def test_person_time_zone_must_be_known():
    person = UserFactory(time_zone="Europe/Paris")

    with pytest.raises(ValidationError) as error:
        services.person_update(person=person, data={"time_zone": "Mars/Olympus"})

    person.refresh_from_db()
    assert person.time_zone == "Europe/Paris"
    assert "time_zone" in error.value.message_dict


@pytest.mark.django_db
def test_api_token_is_stored_hashed_and_found_by_its_key(engagement):
    issued = services.api_token_create(
        engagement=engagement, name="Helpdesk", scope=ApiToken.Scope.READ, created_by=None
    )

    stored = ApiToken.objects.get()
    assert issued.raw_key.startswith(f"tdm_{stored.prefix}_")
    assert issued.raw_key not in (stored.key_hash, stored.prefix)
    assert len(stored.key_hash) == 64
    assert services.api_token_authenticate(raw_key=issued.raw_key) == stored
    assert services.api_token_authenticate(raw_key=issued.raw_key + "x") is None
    services.api_token_revoke(token=stored)
    assert services.api_token_authenticate(raw_key=issued.raw_key) is None
