"""Who holds which role on which engagement, and the invitations that grant them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab.models import Engagement


class Role(models.TextChoices):
    PROJECT_MANAGER = "project_manager", _("Project manager")
    CONSULTANT = "consultant", _("E-commerce consultant")
    BUSINESS_ANALYST = "business_analyst", _("Business analyst")
    TESTER = "tester", _("Tester")
    DEVELOPER = "developer", _("Developer")
    AGENCY_ADMIN = "agency_admin", _("Agency admin")
    DIRECTOR = "director", _("E-commerce director")
    STAKEHOLDER = "stakeholder", _("Client stakeholder")


AGENCY_ROLES = frozenset(
    {
        Role.PROJECT_MANAGER,
        Role.CONSULTANT,
        Role.BUSINESS_ANALYST,
        Role.TESTER,
        Role.DEVELOPER,
        Role.AGENCY_ADMIN,
    }
)
CLIENT_ROLES = frozenset({Role.DIRECTOR, Role.STAKEHOLDER})


def assignment_today() -> datetime.date:
    """Today as role assignments count their days: the calendar day in UTC, the same for every
    viewer. (The viewer's own day would give a person in New York a role given at 21:00 their
    time only at their next midnight, and take it from someone in Tokyo hours early.)"""
    return timezone.now().astimezone(datetime.UTC).date()


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def active(self, on: datetime.date | None = None) -> RoleAssignmentQuerySet:
        """Assignments in force on a day (today in UTC by default): started, not yet ended."""
        day = on or assignment_today()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day)


class RoleAssignment(models.Model):
    """A person holding a role on an engagement, for a share of their time, between two dates."""

    engagement = models.ForeignKey(
        Engagement,
        verbose_name=_("engagement"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    allocation_percent = models.PositiveSmallIntegerField(
        _("allocation (%)"),
        default=100,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Share of this person's working time given to this role, 0 to 100."),
    )
    start_date = models.DateField(_("start date"), default=assignment_today)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["engagement", "role", "person__display_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(allocation_percent__gte=0, allocation_percent__lte=100),
                name="role_assignment_allocation_range",
                violation_error_message=_("Allocation is a share of time between 0 and 100 %."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="role_assignment_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.UniqueConstraint(
                fields=["engagement", "person", "role"],
                name="role_assignment_unique_role_per_person",
            ),
        ]
        indexes = [models.Index(fields=["person", "engagement"])]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()} ({self.engagement})"


class Invitation(models.Model):
    """An invitation by email to join an engagement with a role; accepted once, before it
    expires."""

    engagement = models.ForeignKey(
        Engagement,
        verbose_name=_("engagement"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    allocation_percent = models.PositiveSmallIntegerField(
        _("allocation (%)"), default=100, validators=[MaxValueValidator(100)]
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(allocation_percent__lte=100), name="invitation_allocation_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.engagement} ({self.get_role_display()})"
