"""The dashboard of roles: the team of an engagement, invitations, API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from collab.common.lookup import found_or_404
from collab.forms import add_service_errors
from collab.models import TIME_ZONE_CHOICES, Engagement, Language
from collab.selectors import api_token_list, person_get_by_email
from collab.services import api_token_create, api_token_revoke
from roles import policy, services
from roles.forms import ApiTokenForm, InvitationForm, InvitationSignUpForm, RoleAssignmentForm
from roles.models import RoleAssignment
from roles.policy import Action, actions_of
from roles.selectors import invitation_pending_list, role_assignment_get, role_assignment_list
from roles.services import InvitationRefused

# A new person's session is opened by Tandem itself, after the invitation proved their email.
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _assignment_or_404(engagement: Engagement, pk: int) -> RoleAssignment:
    return found_or_404(role_assignment_get(engagement=engagement, pk=pk), "role assignment")


@login_required
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest, slug: str) -> HttpResponse:
    """The team table; agency admins also invite people here (an htmx partial on htmx
    requests, the whole page otherwise)."""
    engagement = policy.engagement_for(request.user, slug=slug)
    if request.method == "POST":
        policy.require(request.user, Action.MANAGE_TEAM, engagement)
    else:
        policy.require(request.user, Action.VIEW, engagement)
    actions = actions_of(request.user, engagement)
    can_manage = Action.MANAGE_TEAM.value in actions
    form = InvitationForm() if can_manage else None
    invited: list[str] = []
    if request.method == "POST":
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                batch = services.invitations_send(
                    engagement=engagement,
                    invited_by=request.user,
                    emails=form.cleaned_data["emails"],
                    role=form.cleaned_data["role"],
                    allocation_percent=form.cleaned_data["allocation_percent"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                invited = [invitation.email for invitation in batch.invitations]
                if not request.htmx:
                    messages.success(request, _invited_message(invited))
                    return redirect("roles:team", slug=engagement.slug)
                form = InvitationForm()
    context = {
        "engagement": engagement,
        "actions": actions,
        "assignments": role_assignment_list(engagement=engagement),
        "can_manage": can_manage,
        "form": form,
        "pending": invitation_pending_list(engagement=engagement) if can_manage else [],
        "invited_message": _invited_message(invited) if invited else "",
    }
    if request.htmx and request.method == "POST":
        return render(request, "roles/_invitations.html", context)
    return render(request, "roles/team.html", context)


def _invited_message(emails: list[str]) -> str:
    return ngettext(
        "Invitation sent to %(emails)s.", "Invitations sent to %(emails)s.", len(emails)
    ) % {"emails": ", ".join(emails)}


@login_required
@require_http_methods(["GET", "POST"])
def assignment_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = policy.engagement_for(request.user, slug=slug)
    policy.require(request.user, Action.MANAGE_TEAM, engagement)
    assignment = _assignment_or_404(engagement, pk)
    if request.method == "POST":
        form = RoleAssignmentForm(request.POST)
        if form.is_valid():
            try:
                services.role_assignment_update(assignment=assignment, data=form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Role %(role)s of %(person)s updated.")
                    % {"person": assignment.person, "role": assignment.get_role_display()},
                )
                return redirect("roles:team", slug=engagement.slug)
        # The service may have set fields before refusing: show the stored values.
        assignment = _assignment_or_404(engagement, pk)
    else:
        form = RoleAssignmentForm(
            initial={
                "allocation_percent": assignment.allocation_percent,
                "start_date": assignment.start_date,
                "end_date": assignment.end_date,
            }
        )
    return render(
        request,
        "roles/assignment_form.html",
        {
            "engagement": engagement,
            "assignment": assignment,
            "form": form,
            "actions": actions_of(request.user, engagement),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Asks for confirmation, then takes the role away; access ends with the last role."""
    engagement = policy.engagement_for(request.user, slug=slug)
    policy.require(request.user, Action.MANAGE_TEAM, engagement)
    assignment = _assignment_or_404(engagement, pk)
    if request.method == "POST":
        services.role_assignment_remove(assignment=assignment)
        messages.success(
            request,
            _("%(person)s no longer holds the role %(role)s.")
            % {"person": assignment.person, "role": assignment.get_role_display()},
        )
        if not policy.engagements_visible_to(request.user).filter(pk=engagement.pk).exists():
            return redirect("collab:engagement-list")
        return redirect("roles:team", slug=engagement.slug)
    return render(
        request,
        "roles/assignment_confirm_remove.html",
        {
            "engagement": engagement,
            "assignment": assignment,
            "actions": actions_of(request.user, engagement),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest, slug: str) -> HttpResponse:
    """The engagement's tokens; a new token's key appears once, in the answer to its
    creation, and is never stored."""
    engagement = policy.engagement_for(request.user, slug=slug)
    policy.require(request.user, Action.MANAGE_API_TOKENS, engagement)
    issued = None
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                issued = api_token_create(
                    engagement=engagement,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    created_by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                form = ApiTokenForm()
    else:
        form = ApiTokenForm()
    return render(
        request,
        "roles/api_tokens.html",
        {
            "engagement": engagement,
            "actions": actions_of(request.user, engagement),
            "tokens": api_token_list(engagement=engagement),
            "form": form,
            "issued": issued,
        },
    )


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = policy.engagement_for(request.user, slug=slug)
    policy.require(request.user, Action.MANAGE_API_TOKENS, engagement)
    token = get_object_or_404(api_token_list(engagement=engagement), pk=pk)
    api_token_revoke(token=token)
    messages.success(request, _("Token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("roles:api-tokens", slug=engagement.slug)


def _refused(request: HttpRequest, refusal: InvitationRefused) -> HttpResponse:
    status = 400 if refusal.code == "tampered" else 410
    return render(
        request,
        "roles/invitation_refused.html",
        {"reason": refusal.reason, "code": refusal.code},
        status=status,
    )


def _suggested_language(request: HttpRequest) -> str:
    language = (getattr(request, "LANGUAGE_CODE", "") or "").split("-")[0]
    return language if language in Language.values else Language.ENGLISH


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the invitation link. A new person chooses a name and a password and is signed
    in; an existing account joins with one button."""
    try:
        invitation = services.invitation_check(token=token)
    except InvitationRefused as refusal:
        return _refused(request, refusal)
    engagement = invitation.engagement
    target = reverse("collab:engagement-detail", kwargs={"slug": engagement.slug})
    person = person_get_by_email(email=invitation.email)
    form = (
        None
        if person is not None
        else InvitationSignUpForm(
            email=invitation.email,
            # The browser's language (Accept-Language, through the locale middleware); the
            # time zone is suggested by the browser itself (static/js/timezone-suggest.js).
            initial={"language": _suggested_language(request)},
        )
    )
    if request.method == "POST":
        if person is not None:
            try:
                services.invitation_accept(token=token)
            except InvitationRefused as refusal:
                return _refused(request, refusal)
            if request.user.is_authenticated and request.user.pk == person.pk:
                messages.success(
                    request,
                    _("You joined %(engagement)s as %(role)s.")
                    % {"engagement": engagement.name, "role": invitation.get_role_display()},
                )
                return redirect(target)
            messages.info(
                request,
                _("You joined %(engagement)s. Log in as %(email)s to reach it.")
                % {"engagement": engagement.name, "email": person.email},
            )
            return redirect(f"{reverse('login')}?{urlencode({'next': target})}")
        form = InvitationSignUpForm(request.POST, email=invitation.email)
        if form.is_valid():
            try:
                assignment = services.invitation_accept(
                    token=token,
                    password=form.cleaned_data["password1"],
                    display_name=form.cleaned_data["display_name"],
                    time_zone=form.cleaned_data["time_zone"],
                    language=form.cleaned_data["language"],
                )
            except InvitationRefused as refusal:
                return _refused(request, refusal)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                login(request, assignment.person, backend=LOGIN_BACKEND)
                messages.success(
                    request,
                    _("Welcome to Tandem. You joined %(engagement)s as %(role)s.")
                    % {"engagement": engagement.name, "role": invitation.get_role_display()},
                )
                return redirect(target)
    return render(
        request,
        "roles/invitation_accept.html",
        {
            "invitation": invitation,
            "engagement": engagement,
            "person": person,
            "signed_in_as_other": (
                person is not None
                and request.user.is_authenticated
                and request.user.pk != person.pk
            ),
            "form": form,
            "time_zones": [name for name, _label in TIME_ZONE_CHOICES] if form else [],
        },
    )
