"""What an outside probe of the API found, each fixed and held here by a test (issue 11).

Every test answers one item of the probe's list; each failed on the code before the fix."""

import datetime as dt
import io
import json
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backlog.models import Label, Ticket
from backlog.transfer.csv_export import neutralise
from collab.common.parsers import BoundedJSONParser, RequestBodyTooLarge
from collab.models import ApiToken, User
from collab.rhythm.models import MeetingNotes
from collab.rhythm.scheduling import meeting_create
from collab.services import api_token_create
from collab.webhooks.models import Webhook
from collab.webhooks.safety import TargetRefused, target_check
from roles.models import Invitation, Role, RoleAssignment
from roles.services import invitation_accept, invitation_token
from tests.backlog.factories import TicketFactory
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
BASE = "/api/v1/engagements/nordfer"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    return response.json()


def bearer(api_client, engagement, *, created_by, scope="write"):
    issued = api_token_create(engagement=engagement, name="CI", scope=scope, created_by=created_by)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.raw_key}")
    return api_client


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


# --- OPTIONS ------------------------------------------------------------------------------------


def test_options_on_stakeholder_scores_with_a_token_describes_the_resource(
    api_client, engagement, admin_user
):
    ticket = TicketFactory(engagement=engagement, reporter=admin_user)
    client = bearer(api_client, engagement, created_by=admin_user)

    response = client.options(f"{BASE}/tickets/{ticket.key}/stakeholder-scores/")

    assert response.status_code == 200
    assert response.json() == {
        "name": "Stakeholder Score List Api",
        "description": response.json()["description"],
        "renders": ["application/json"],
        "parses": ["application/json"],
    }


# --- The calendar feed --------------------------------------------------------------------------


def test_a_calendar_feed_address_that_no_token_can_have_is_404(client):
    # A NUL byte once reached PostgreSQL (500); the other shapes must stay 404 alike.
    for token in ("%00", "abc%00def", "a" * 65, "..%2F"):
        assert client.get(f"/calendar/{token}.ics").status_code == 404, token


# --- Request bodies: depth and size -------------------------------------------------------------


def test_json_nested_5000_levels_deep_is_a_400_problem_and_files_nothing(
    api_client, engagement, admin_user
):
    client = bearer(api_client, engagement, created_by=admin_user)

    response = client.generic(
        "POST", f"{BASE}/tickets/", deep(5000), content_type="application/json"
    )

    body = problem(response, 400)
    assert body["detail"] == "The JSON document nests deeper than 32 levels."
    assert not Ticket.objects.exists()
    # A document within the bound still reaches the serializer, which names the bad field.
    nested = {"title": "Deep", "kind": "bug", "description": "x", "labels": [["x"]]}
    within = client.generic(
        "POST", f"{BASE}/tickets/", json.dumps(nested), content_type="application/json"
    )
    assert problem(within, 400)["errors"] == {"labels": ["Incorrect type: expected string."]}


def test_a_5_mb_body_is_a_413_problem_and_files_nothing(api_client, engagement, admin_user):
    client = bearer(api_client, engagement, created_by=admin_user)
    document = json.dumps({"title": "Big", "kind": "bug", "description": "x" * 5_000_000})

    response = client.generic("POST", f"{BASE}/tickets/", document, content_type="application/json")

    body = problem(response, 413)
    assert body["type"] == "https://tandem.example/problems/request-too-large"
    assert body["detail"] == "The request body is larger than 1048576 bytes."
    assert not Ticket.objects.exists()


def test_a_body_without_a_length_is_cut_at_the_limit_by_the_parser(settings):
    settings.API_MAX_BODY_BYTES = 10

    with pytest.raises(RequestBodyTooLarge):
        BoundedJSONParser().parse(io.BytesIO(b'{"title": "eleven+"}'))
    assert BoundedJSONParser().parse(io.BytesIO(b'{"a": 1}')) == {"a": 1}


# --- The roadmap board --------------------------------------------------------------------------


def test_a_board_ending_after_9999_q4_is_a_400_naming_start(
    api_client, client, engagement, director
):
    api_client.force_authenticate(director)
    body = problem(api_client.get(f"{BASE}/roadmap/?start=9999-Q4&count=12"), 400)
    assert body["errors"] == {
        "start": ["The board would end after 9999-Q4; choose 9997-Q1 or earlier."]
    }

    client.force_login(director)
    page = reverse("roadmap:board", kwargs={"slug": "nordfer"})
    assert client.get(f"{page}?start=9999-Q4", secure=True).status_code == 400
    assert client.get(f"{page}?start=0001-Q1", secure=True).status_code == 400
    assert client.get(f"{page}?start=9997-Q1", secure=True).status_code == 200


# --- Unknown fields and choices -----------------------------------------------------------------


def test_a_ticket_patch_with_an_unknown_field_is_refused_naming_it(
    api_client, engagement, admin_user
):
    ticket = TicketFactory(engagement=engagement, reporter=admin_user, title="Before")
    api_client.force_authenticate(admin_user)
    etag = api_client.get(f"{BASE}/tickets/{ticket.key}/")["ETag"]

    body = problem(
        api_client.patch(
            f"{BASE}/tickets/{ticket.key}/", {"title": "After", "bogus": 1}, HTTP_IF_MATCH=etag
        ),
        400,
    )

    assert body["errors"] == {"bogus": ["Unknown field: this endpoint does not accept it."]}
    ticket.refresh_from_db()
    assert (ticket.title, ticket.version) == ("Before", 1)


def test_a_choice_error_lists_the_valid_values(api_client, engagement, admin_user):
    api_client.force_authenticate(admin_user)

    body = problem(api_client.post(f"{BASE}/tickets/", {"title": "T", "kind": "epic"}), 400)

    assert body["errors"] == {
        "kind": [
            "“epic” is not a valid choice; choose one of: feature, improvement, bug, "
            "platform_upgrade, security, question."
        ]
    }


# --- Webhook targets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://[::127.0.0.1]/hook",  # IPv4-compatible loopback
        "https://[::10.0.0.1]/hook",
        "https://[64:ff9b::7f00:1]/hook",  # NAT64 well-known prefix, loopback inside
        "https://[64:ff9b::a9fe:a9fe]/hook",  # ... a cloud metadata address inside
        "https://[64:ff9b:1::a00:1]/hook",  # NAT64 local-use prefix
        "https://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
        "https://[2002:c0a8:101::]/hook",  # 6to4 of 192.168.1.1
    ],
)
def test_targets_embedding_a_private_ipv4_address_in_ipv6_are_refused(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False

    with pytest.raises(TargetRefused):
        target_check(url)
    # The refusal is about the embedded address: a public one behind NAT64 stays allowed.
    assert target_check("https://[64:ff9b::808:808]/hook").pinned_address == "64:ff9b::808:808"


def test_the_api_refuses_an_ipv6_embedded_loopback_target(
    settings, api_client, engagement, admin_user
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    api_client.force_login(admin_user)

    response = api_client.post(
        f"{BASE}/webhooks/", {"url": "https://[::127.0.0.1]/hook", "events": ["ticket.created"]}
    )

    assert problem(response, 400)["errors"].keys() == {"url"}
    assert not Webhook.objects.exists()


# --- Adding people to the team ------------------------------------------------------------------


def test_adding_another_clients_person_sends_an_invitation_they_accept(
    api_client, engagement, admin_user, other_engagement, django_capture_on_commit_callbacks
):
    outsider = UserFactory(
        email="buyer@rival.example",
        display_name="Rival Buyer",
        organization=other_engagement.client,
    )
    api_client.force_login(admin_user)

    with django_capture_on_commit_callbacks() as callbacks:
        known = api_client.post(
            f"{BASE}/role-assignments/", {"person": "Buyer@Rival.example", "role": "stakeholder"}
        )
        unknown = api_client.post(
            f"{BASE}/role-assignments/", {"person": "ghost@rival.example", "role": "stakeholder"}
        )

    assert (known.status_code, unknown.status_code) == (202, 202)
    # The same answer but for the address itself (and the instant it expires).
    same = {"email": "-", "expires_at": "-"}
    assert {**known.json(), **same} == {**unknown.json(), **same}
    assert known.json()["email"] == "buyer@rival.example"
    assert "Rival Buyer" not in known.content.decode()
    assert "Location" not in known
    assert not RoleAssignment.objects.filter(person=outsider).exists()
    assert sorted(Invitation.objects.values_list("email", "role", "invited_by")) == [
        ("buyer@rival.example", Role.STAKEHOLDER, admin_user.pk),
        ("ghost@rival.example", Role.STAKEHOLDER, admin_user.pk),
    ]
    assert len(callbacks) == 2  # each invitation's email, queued once committed

    invitation = Invitation.objects.get(email="buyer@rival.example")
    assignment = invitation_accept(token=invitation_token(invitation))

    assert (assignment.person, assignment.engagement, assignment.role) == (
        outsider,
        engagement,
        Role.STAKEHOLDER,
    )


def test_an_invitation_refuses_dates_for_known_and_unknown_addresses_alike(
    api_client, engagement, admin_user, other_engagement
):
    UserFactory(email="buyer@rival.example", organization=other_engagement.client)
    api_client.force_login(admin_user)
    payload = {"role": "stakeholder", "start_date": "2030-01-01"}

    known = api_client.post(
        f"{BASE}/role-assignments/", {**payload, "person": "buyer@rival.example"}
    )
    unknown = api_client.post(
        f"{BASE}/role-assignments/", {**payload, "person": "ghost@rival.example"}
    )

    assert problem(known, 400)["errors"] == problem(unknown, 400)["errors"]
    assert not Invitation.objects.exists()


# --- Tokens and their issuer --------------------------------------------------------------------


def test_a_token_stops_working_when_its_issuer_loses_every_role(api_client, engagement, admin_user):
    pm = member(engagement, Role.PROJECT_MANAGER)
    client = bearer(api_client, engagement, created_by=pm)
    assert client.post(f"{BASE}/tickets/", {"title": "Before", "kind": "bug"}).status_code == 201

    RoleAssignment.objects.filter(person=pm).update(
        end_date=timezone.now().date() - dt.timedelta(1)
    )
    refused = client.post(f"{BASE}/tickets/", {"title": "After", "kind": "bug"})

    assert problem(refused, 401)["type"].endswith("/authentication-failed")
    assert problem(client.get(f"{BASE}/tickets/"), 401)
    assert list(Ticket.objects.values_list("title", flat=True)) == ["Before"]


def test_a_token_dies_with_its_issuers_account(engagement, admin_user):
    pm = member(engagement, Role.PROJECT_MANAGER)
    api_token_create(engagement=engagement, name="CI", scope="write", created_by=pm)

    User.objects.filter(pk=pm.pk).delete()

    assert not ApiToken.objects.exists()


# --- Preconditions ------------------------------------------------------------------------------


def test_if_match_refuses_the_strong_form_of_a_weak_etag(api_client, engagement, admin_user):
    ticket = TicketFactory(engagement=engagement, reporter=admin_user, title="Before")
    api_client.force_authenticate(admin_user)
    etag = api_client.get(f"{BASE}/tickets/{ticket.key}/")["ETag"]
    assert etag.startswith('W/"')

    response = api_client.patch(
        f"{BASE}/tickets/{ticket.key}/", {"title": "After"}, HTTP_IF_MATCH=etag[2:]
    )

    problem(response, 412)
    ticket.refresh_from_db()
    assert ticket.title == "Before"
    exact = api_client.patch(
        f"{BASE}/tickets/{ticket.key}/", {"title": "After"}, HTTP_IF_MATCH=etag
    )
    assert exact.status_code == 200


def test_meeting_notes_without_the_version_read_are_refused(api_client, engagement, admin_user):
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    meeting = meeting_create(
        engagement=engagement,
        organizer=admin_user,
        title="Go-live",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        attendees=[],
    )
    api_client.force_authenticate(admin_user)
    url = f"{BASE}/meetings/{meeting.pk}/"
    assert api_client.patch(url, {"notes": "First", "notes_version": 0}).status_code == 200

    body = problem(api_client.patch(url, {"notes": "Overwrite"}), 400)

    assert list(body["errors"]) == ["notes_version"]
    assert MeetingNotes.objects.get(meeting=meeting).body == "First"


# --- Time zones, labels, CSV --------------------------------------------------------------------


def test_a_person_time_zone_must_be_an_iana_name(api_client, admin_user):
    api_client.force_authenticate(admin_user)

    # localtime and Factory were accepted; the posix/ aliases must stay refused with them.
    for zone in ("localtime", "Factory", "posixrules", "posix/Europe/Paris"):
        body = problem(api_client.patch("/api/v1/me/", {"time_zone": zone}), 400)

        assert body["errors"] == {
            "time_zone": [
                f"“{zone}” is not a known time zone; use an IANA name such as Europe/Paris."
            ]
        }
    admin_user.refresh_from_db()
    assert admin_user.time_zone == "Europe/Paris"


def test_ten_thousand_labels_are_refused_and_write_nothing(api_client, engagement, admin_user):
    api_client.force_authenticate(admin_user)
    labels = [f"label-{n}" for n in range(10_000)]

    body = problem(
        api_client.post(f"{BASE}/tickets/", {"title": "T", "kind": "bug", "labels": labels}), 400
    )

    assert body["errors"] == {"labels": ["Ensure this field has no more than 20 elements."]}
    assert (Ticket.objects.count(), Label.objects.count()) == (0, 0)


def test_a_csv_cell_starting_with_a_pipe_is_neutralised():
    assert neutralise("|cmd") == "'|cmd"


# --- Sign-in lock-out ---------------------------------------------------------------------------

PROXY = "10.0.0.2"  # the TLS-terminating proxy: the peer of every request behind it
VICTIM = "198.51.100.7"


def sign_in(person, password, *, address, proxied=False, claimed=None):
    """One sign-in from `address`, straight or through the proxy, which appends the peer it saw
    to whatever X-Forwarded-For the client (`claimed`) wrote."""
    browser = Client()
    if proxied:
        forwarded = f"{claimed}, {address}" if claimed else address
        extra = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}
    else:
        extra = {"REMOTE_ADDR": address}
        if claimed:
            extra["HTTP_X_FORWARDED_FOR"] = claimed
    response = browser.post(
        reverse("login"), {"username": person.email, "password": password}, **extra
    )
    return response, SESSION_KEY in browser.session


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (
            0,
            "203.0.113.9",
            VICTIM,
            "203.0.113.9",
        ),  # no proxy configured: the header is the client's
        (1, PROXY, f"{VICTIM}, 203.0.113.9", "203.0.113.9"),  # the proxy's entry, not the claim
        (1, PROXY, "203.0.113.9", "203.0.113.9"),
        (1, PROXY, None, PROXY),  # not through the proxy: only the peer is known
        (1, PROXY, "not-an-address", PROXY),
        (2, "10.0.0.3", f"{VICTIM}, 203.0.113.9, {PROXY}", "203.0.113.9"),
    ],
)
def test_the_client_address_is_the_one_the_trusted_proxies_saw(
    rf, settings, proxies, remote, forwarded, expected
):
    from collab.common.signin import client_address

    settings.TRUSTED_PROXY_COUNT = proxies
    extra = {"REMOTE_ADDR": remote}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded

    assert client_address(rf.post("/accounts/login/", **extra)) == expected


def test_a_spoofed_x_forwarded_for_cannot_lock_another_person_out(settings, director):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        refused, _ = sign_in(director, "wrong", address="203.0.113.9", proxied=True, claimed=VICTIM)
    assert refused.status_code == 429  # the attacker's own address is locked out...

    response, signed_in = sign_in(director, "tandem-demo", address=VICTIM, proxied=True)

    assert (response.status_code, signed_in) == (302, True)  # ...the person's is not
    attacker, signed_in = sign_in(director, "tandem-demo", address="203.0.113.9", proxied=True)
    assert (attacker.status_code, signed_in) == (429, False)


def test_failures_from_many_addresses_close_the_account_to_new_addresses(settings, director):
    settings.SIGNIN_ACCOUNT_FAILURE_LIMIT = limit = 10
    assert limit > settings.AXES_FAILURE_LIMIT
    for n in range(limit - 1):  # one guess per address: the per-address limit never fires
        refused, _ = sign_in(director, "wrong", address=f"203.0.113.{n + 1}")
        assert refused.status_code == 200
    last, _ = sign_in(director, "wrong", address="203.0.113.200")
    assert last.status_code == 429

    response, signed_in = sign_in(director, "tandem-demo", address="192.0.2.50")

    assert (response.status_code, signed_in) == (429, False)
    assert "only be signed in to from a network it was signed in from before" in (
        response.content.decode()
    )
    director.refresh_from_db()
    assert director.last_login is None
    # The limit is the account's: another person signs in from a new address as usual.
    other = UserFactory(email="pm@nordfer.example")
    assert sign_in(other, "tandem-demo", address="192.0.2.51")[1] is True


def test_a_person_signs_in_from_a_known_address_while_the_account_is_under_attack(
    settings, director
):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SIGNIN_ACCOUNT_FAILURE_LIMIT = 10
    assert sign_in(director, "tandem-demo", address=VICTIM, proxied=True)[1] is True
    for n in range(settings.SIGNIN_ACCOUNT_FAILURE_LIMIT + 5):
        sign_in(director, "wrong", address=f"203.0.113.{n + 1}", proxied=True, claimed=VICTIM)

    response, signed_in = sign_in(director, "tandem-demo", address=VICTIM, proxied=True)

    assert (response.status_code, signed_in) == (302, True)
    stranger, signed_in = sign_in(director, "tandem-demo", address="192.0.2.50", proxied=True)
    assert (stranger.status_code, signed_in) == (429, False)


def test_a_new_password_opens_sign_in_again_from_a_new_address(client, settings, director):
    settings.SIGNIN_ACCOUNT_FAILURE_LIMIT = 10
    for n in range(settings.SIGNIN_ACCOUNT_FAILURE_LIMIT):
        sign_in(director, "wrong", address=f"203.0.113.{n + 1}")
    assert sign_in(director, "tandem-demo", address="192.0.2.50")[0].status_code == 429

    client.post(reverse("password_reset"), {"email": director.email})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "plum-harbour-42-kite", "new_password2": "plum-harbour-42-kite"},
    )
    assert done.status_code == 302

    response, signed_in = sign_in(director, "plum-harbour-42-kite", address="192.0.2.50")
    assert (response.status_code, signed_in) == (302, True)


def test_a_spoofed_x_forwarded_for_buys_no_fresh_anonymous_api_budget(client, settings):
    # DRF's own reading (no NUM_PROXIES) took the whole header as the client's identity.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"principal": "2/minute"},
    }

    statuses = [
        client.get(
            "/api/v1/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"
        ).status_code
        for n in range(3)
    ]

    assert statuses == [200, 200, 429]
