"""People, organizations, engagements and API tokens: the core every other app builds on."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab.common.validators import validate_currency, validate_time_zone

TIME_ZONE_CHOICES = sorted((tz, tz) for tz in zoneinfo.available_timezones())


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: logs in with an email address; sees times in their zone and pages in their
    language."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Paris",
        validators=[validate_time_zone],
        help_text=_("IANA name, for example Europe/Paris."),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    organization = models.ForeignKey(
        "collab.Organization",
        verbose_name=_("organization"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["display_name", "email"]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return str(self)

    def get_short_name(self) -> str:
        return self.display_name.split(" ")[0] if self.display_name else self.email


class Organization(models.Model):
    """An agency or a client company."""

    class Kind(models.TextChoices):
        AGENCY = "agency", _("Agency")
        CLIENT = "client", _("Client")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Platform(models.TextChoices):
    ADOBE_COMMERCE = "adobe_commerce", _("Adobe Commerce / Magento")
    SHOPIFY_PLUS = "shopify_plus", _("Shopify Plus")
    SHOPWARE = "shopware", _("Shopware")
    PRESTASHOP = "prestashop", _("PrestaShop")
    SALESFORCE = "salesforce_cc", _("Salesforce Commerce Cloud")
    WOOCOMMERCE = "woocommerce", _("WooCommerce")
    CUSTOM = "custom", _("Custom")


class BusinessModel(models.TextChoices):
    B2B = "b2b", _("B2B")
    B2C = "b2c", _("B2C")
    BOTH = "both", _("B2B and B2C")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class ReviewCadence(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")
    YEARLY = "yearly", _("Yearly")


key_prefix_validator = RegexValidator(
    r"^[A-Z][A-Z0-9]{1,9}$",
    _("Use 2 to 10 capital letters or digits, starting with a letter (for example NORD)."),
)


class Engagement(models.Model):
    """An agency working for a client: the tenant every other row belongs to."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        CLOSED = "closed", _("Closed")

    agency = models.ForeignKey(
        Organization,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="agency_engagements",
        limit_choices_to={"kind": Organization.Kind.AGENCY},
    )
    client = models.ForeignKey(
        Organization,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        related_name="client_engagements",
        limit_choices_to={"kind": Organization.Kind.CLIENT},
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    key_prefix = models.CharField(
        _("ticket key prefix"), max_length=10, unique=True, validators=[key_prefix_validator]
    )
    platform = models.CharField(_("e-commerce platform"), max_length=20, choices=Platform.choices)
    business_model = models.CharField(
        _("business model"), max_length=4, choices=BusinessModel.choices
    )
    currency = models.CharField(
        _("currency"), max_length=3, default="EUR", validators=[validate_currency]
    )
    client_hourly_cost = models.DecimalField(
        _("client internal hourly cost"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    agency_day_rate = models.DecimalField(
        _("agency day rate"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    strategy = models.TextField(_("strategy statement"), blank=True)
    sync_weekday = models.PositiveSmallIntegerField(
        _("weekly sync weekday"), choices=Weekday.choices, default=Weekday.TUESDAY
    )
    sync_time = models.TimeField(_("weekly sync local time"), default="10:00")
    sync_time_zone = models.CharField(
        _("weekly sync time zone"),
        max_length=64,
        default="Europe/Paris",
        validators=[validate_time_zone],
    )
    sync_duration_minutes = models.PositiveSmallIntegerField(
        _("weekly sync duration (minutes)"),
        default=45,
        validators=[MinValueValidator(5)],
    )
    review_cadence = models.CharField(
        _("roadmap review cadence"),
        max_length=12,
        choices=ReviewCadence.choices,
        default=ReviewCadence.QUARTERLY,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(client_hourly_cost__gte=0), name="engagement_hourly_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(agency_day_rate__gte=0), name="engagement_day_rate_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(sync_weekday__gte=0, sync_weekday__lte=6),
                name="engagement_sync_weekday_range",
            ),
            models.CheckConstraint(
                condition=Q(sync_duration_minutes__gte=5),
                name="engagement_sync_duration_min",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A bearer token for an integration: scoped to one engagement, stored hashed, revocable."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=5, choices=Scope.choices)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    # A token dies with its issuer's account (roles.policy.token_in_force): it would otherwise
    # become a token issued by nobody, which acts until revoked.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "name"],
                condition=Q(revoked_at__isnull=True),
                name="api_token_active_name_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    # A token acts as a principal: these let views and policy treat it like a signed-in person.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """The first answer to a creation sent with an ``Idempotency-Key``: the same principal
    sending the same key again gets it back instead of creating a second object. Kept 24 hours
    (purged by ``collab.tasks.idempotency_purge_task``)."""

    class PrincipalKind(models.TextChoices):
        PERSON = "person", _("Person")
        TOKEN = "token", _("API token")

    principal_kind = models.CharField(max_length=6, choices=PrincipalKind.choices)
    principal_id = models.PositiveBigIntegerField()
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(
        max_length=64, help_text=_("SHA-256 of the method, path and request body.")
    )
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(encoder=DjangoJSONEncoder, default=dict)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(
                fields=["principal_kind", "principal_id", "key"],
                name="idempotency_key_unique_per_principal",
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_at")]

    def __str__(self) -> str:
        return f"{self.principal_kind}:{self.principal_id} {self.key}"


from collab.rhythm.models import *  # noqa: E402, F403  (models of the rhythm live in collab/rhythm)
from collab.webhooks.models import *  # noqa: E402, F403  (they live in collab/webhooks)
