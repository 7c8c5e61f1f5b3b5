"""Field validators shared by the apps."""

import zoneinfo
from functools import cache

from babel.numbers import list_currencies
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Files of a system's zoneinfo folder that are not IANA zone names: the machine's own zone (it
# differs from one server to the next), the tz database's placeholder for "no zone", its POSIX
# template, and the duplicate trees of the same zones.
NOT_IANA_NAMES = frozenset({"localtime", "Factory", "posixrules"})
NOT_IANA_FOLDERS = ("posix/", "right/")


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(
        name
        for name in zoneinfo.available_timezones()
        if name not in NOT_IANA_NAMES and not name.startswith(NOT_IANA_FOLDERS)
    )


def validate_time_zone(value: str) -> None:
    """An IANA time zone name that this machine's tz database knows."""
    if value not in _time_zones():
        raise ValidationError(
            _("“%(value)s” is not a known time zone; use an IANA name such as Europe/Paris."),
            code="unknown_time_zone",
            params={"value": value},
        )


def validate_currency(value: str) -> None:
    """An ISO 4217 currency code (upper case)."""
    if value not in list_currencies():
        raise ValidationError(
            _("“%(value)s” is not an ISO 4217 currency code (for example EUR, USD, CHF)."),
            code="unknown_currency",
            params={"value": value},
        )
