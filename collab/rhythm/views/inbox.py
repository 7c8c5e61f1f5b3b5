"""The person's own pages: the inbox, notification settings and the private calendar feed."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collab.forms import add_service_errors
from collab.models import User
from collab.rhythm import selectors, services
from collab.rhythm.forms import PreferencesForm
from collab.rhythm.views.common import PAGE_SIZE, safe_next
from roles import policy


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notification_list(person=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "rhythm/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.notification_mark_read(person=request.user, notification_id=pk):
        raise Http404("No notification found.")
    return redirect(safe_next(request, reverse("rhythm:inbox")))


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(person=request.user)
    messages.success(request, _("%(count)d notifications marked read.") % {"count": count})
    return redirect("rhythm:inbox")


def _feed_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("rhythm:calendar-feed", args=[token]))


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Reminder opt-out, immediate notices or the daily digest, the private calendar feed."""
    person: User = request.user
    current = selectors.preferences_get(person=person)
    form = PreferencesForm(
        request.POST or None,
        initial={
            "reminder_opt_out": current.reminder_opt_out,
            "notification_mode": current.notification_mode,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.person_preferences_update(person=person, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("rhythm:preferences")
    return render(
        request,
        "rhythm/preferences.html",
        {
            "form": form,
            "feed_url": _feed_url(request, current.calendar_token)
            if current.calendar_token
            else "",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def calendar_token_regenerate(request: HttpRequest) -> HttpResponse:
    """A new private feed address; the old one answers 404 from now on."""
    services.calendar_token_regenerate(person=request.user)
    messages.success(request, _("Your calendar link is new: the previous link no longer works."))
    return redirect(reverse("rhythm:preferences") + "#calendar")


def _engagement_ids(person: User) -> Iterable[int]:
    return policy.engagements_visible_to(person).values_list("pk", flat=True)


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private .ics feed: public, since the token in its address is the secret."""
    content = selectors.calendar_feed_for_token(token, member_of=_engagement_ids)
    if content is None:
        raise Http404("No calendar found.")
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="tandem.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
