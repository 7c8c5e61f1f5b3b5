"""Above ``RESCORE_IN_REQUEST_MAX_TICKETS`` an engagement-wide recomputation of the stored
ranking leaves the request: the change commits at once, a job recomputes the ranking in chunks
with its progress shown on the backlog page and in the API, a second change restarts it on the
latest settings, a job left by a dead worker is resumed by the sweep, and the verification says
the job is running instead of reporting drift."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from backlog import services
from backlog.checks import stored_ranking_check
from backlog.models import RankingJob, Ticket
from backlog.selectors import scoring_settings_get
from backlog.services.ranking_jobs import (
    Step,
    ranking_job_claim,
    ranking_job_run,
    ranking_job_step,
    ranking_jobs_sweep,
)
from backlog.tasks import ranking_job_run_task
from collab.common.sweeps import Budget
from collab.services import engagement_update
from roadmap import services as roadmap_services
from roles.models import Role
from tests.backlog.test_ranking import _backlog, _true
from tests.factories import member

D = Decimal
RUN_TASK = "backlog.tasks.ranking_job_run_task"


@pytest.fixture(autouse=True)
def _small_threshold(settings):
    # 7 tickets are "big": above 3, recomputed 2 at a time.
    settings.RESCORE_IN_REQUEST_MAX_TICKETS = 3
    settings.RANKING_JOB_CHUNK_SIZE = 2
    settings.RANKING_JOB_STALE_SECONDS = 120
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tests-ranking-jobs",
        }
    }
    cache.clear()


@pytest.fixture
def sent(monkeypatch):
    """The tasks sent to the broker (none reaches Redis)."""
    calls: list[tuple[str, dict]] = []
    monkeypatch.setattr(
        "collab.common.tasks.current_app.send_task",
        lambda name, kwargs: calls.append((name, kwargs)),
    )
    return calls


def _scores(engagement) -> dict[int, Decimal | None]:
    return dict(Ticket.objects.filter(engagement=engagement).values_list("number", "score"))


def _job(engagement) -> RankingJob:
    return RankingJob.objects.get(engagement=engagement)


def _change_model(engagement, model: str, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.scoring_settings_update(engagement=engagement, data={"model": model})


def test_below_the_threshold_the_change_is_recomputed_in_the_request(
    engagement, settings, sent, django_capture_on_commit_callbacks
):
    settings.RESCORE_IN_REQUEST_MAX_TICKETS = 7
    _backlog(engagement, 7)

    _change_model(engagement, "rice", django_capture_on_commit_callbacks)

    assert not RankingJob.objects.exists()
    assert sent == []
    _true(engagement)


def test_above_the_threshold_the_change_commits_at_once_and_queues_a_job(
    engagement, sent, django_capture_on_commit_callbacks
):
    _backlog(engagement, 7)
    before = _scores(engagement)

    _change_model(engagement, "rice", django_capture_on_commit_callbacks)

    # The settings are saved, the scores not yet recomputed, the task sent after the commit.
    assert scoring_settings_get(engagement=engagement).model == "rice"
    assert _scores(engagement) == before
    assert services.ranking_drift(engagement=engagement) != []
    job = _job(engagement)
    assert (job.state, job.total, job.done, job.generation) == ("queued", 7, 0, 1)
    assert sent == [(RUN_TASK, {"engagement_id": engagement.pk})]

    assert ranking_job_run_task(engagement_id=engagement.pk) == "done"

    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.error) == ("done", 7, 7, "")
    assert job.started_at is not None and job.finished_at is not None
    _true(engagement)
    # A second message for the same job finds nothing to do.
    assert ranking_job_run_task(engagement_id=engagement.pk) == "nothing to claim"


def test_the_progress_goes_from_0_to_the_total_chunk_by_chunk(
    engagement, sent, django_capture_on_commit_callbacks
):
    _backlog(engagement, 7)
    _change_model(engagement, "wsjf", django_capture_on_commit_callbacks)
    attempt = ranking_job_claim(engagement_id=engagement.pk)

    progress, steps = [], []
    while True:
        step = ranking_job_step(engagement_id=engagement.pk, attempt=attempt)
        steps.append(step)
        progress.append(_job(engagement).done)
        if step is Step.DONE:
            break

    # the medians, three chunks of 2 and one of 1, the quadrants
    assert progress == [0, 2, 4, 6, 7, 7]
    assert steps == [Step.MORE] * 5 + [Step.DONE]
    _true(engagement)


def test_a_second_change_during_the_job_ends_with_the_latest_settings(
    engagement, sent, django_capture_on_commit_callbacks
):
    _backlog(engagement, 7)
    _change_model(engagement, "rice", django_capture_on_commit_callbacks)
    attempt = ranking_job_claim(engagement_id=engagement.pk)
    for _ in range(3):  # the medians and two chunks under RICE
        ranking_job_step(engagement_id=engagement.pk, attempt=attempt)
    assert _job(engagement).done == 4

    _change_model(engagement, "wsjf", django_capture_on_commit_callbacks)

    job = _job(engagement)
    # The running worker keeps the job and starts again; the new message finds it taken.
    assert (job.state, job.generation, job.done, job.last_pk) == ("running", 2, 0, 0)
    assert ranking_job_run_task(engagement_id=engagement.pk) == "nothing to claim"
    steps = []
    while (step := ranking_job_step(engagement_id=engagement.pk, attempt=attempt)) is Step.MORE:
        steps.append(step)
    assert step is Step.DONE
    assert len(steps) == 5  # the medians again, then all four chunks
    assert scoring_settings_get(engagement=engagement).model == "wsjf"
    _true(engagement)


def test_a_job_left_by_a_dead_worker_after_one_chunk_is_resumed_by_the_sweep(
    engagement, sent, django_capture_on_commit_callbacks
):
    _backlog(engagement, 7)
    _change_model(engagement, "rice", django_capture_on_commit_callbacks)
    attempt = ranking_job_claim(engagement_id=engagement.pk)
    ranking_job_step(engagement_id=engagement.pk, attempt=attempt)
    ranking_job_step(engagement_id=engagement.pk, attempt=attempt)
    # The worker is killed here: the job stays running with its progress.
    assert (_job(engagement).state, _job(engagement).done) == ("running", 2)
    # Still fresh: neither a message nor the sweep takes it from its worker.
    assert ranking_jobs_sweep() == 0

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        assert ranking_jobs_sweep() == 1

    job = _job(engagement)
    assert (job.state, job.done, job.attempt) == ("done", 7, attempt + 1)
    # The dead worker, had it woken up, could no longer write.
    assert ranking_job_step(engagement_id=engagement.pk, attempt=attempt) is Step.LOST
    _true(engagement)


def test_a_queued_job_whose_message_was_lost_is_worked_by_the_sweep(
    engagement, django_capture_on_commit_callbacks
):
    _backlog(engagement, 7)
    # The broker refuses the message: the job waits in the database.
    with django_capture_on_commit_callbacks(execute=False):
        services.scoring_settings_update(engagement=engagement, data={"model": "rice"})

    assert ranking_jobs_sweep() == 1

    assert _job(engagement).state == "done"
    _true(engagement)


def test_the_hourly_cost_of_a_big_engagement_is_recomputed_by_a_job(
    engagement, sent, django_capture_on_commit_callbacks
):
    _backlog(engagement, 7)
    with django_capture_on_commit_callbacks(execute=True):
        engagement_update(engagement=engagement, data={"client_hourly_cost": D("100")})
    assert _job(engagement).state == "queued"
    assert sent == [(RUN_TASK, {"engagement_id": engagement.pk})]

    assert ranking_job_run(engagement_id=engagement.pk) is Step.DONE

    first = Ticket.objects.get(engagement=engagement, number=1)
    # 1,000 + 12 x 2 h x 100 = 3,400
    assert first.annual_value == D("3400.0000")
    _true(engagement)


def test_an_objective_weight_moving_many_alignments_is_recomputed_by_a_job(
    engagement, sent, django_capture_on_commit_callbacks
):
    pm = member(engagement, Role.PROJECT_MANAGER)
    tickets = _backlog(engagement, 7)
    growth = roadmap_services.objective_create(
        engagement=engagement, title="Grow B2B", weight=D("1.5")
    )
    for ticket in tickets:
        roadmap_services.alignment_set(actor=pm, ticket=ticket, objective=growth, level="key")
    RankingJob.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        roadmap_services.objective_update(actor=pm, objective=growth, data={"weight": D("3")})

    assert Ticket.objects.get(pk=tickets[0].pk).strategic_alignment == D("6.00")
    assert (_job(engagement).state, _job(engagement).total) == ("queued", 7)
    assert services.ranking_drift(engagement=engagement) != []

    assert ranking_job_run(engagement_id=engagement.pk) is Step.DONE
    _true(engagement)


def test_the_check_and_the_command_say_the_job_is_running_instead_of_drift(
    engagement, sent, capsys, django_capture_on_commit_callbacks
):
    _backlog(engagement, 7)
    _change_model(engagement, "rice", django_capture_on_commit_callbacks)

    assert stored_ranking_check(databases=["default"]) == []
    call_command("ranking_verify")
    assert (
        "nordfer: the ranking is being recomputed (queued, 0 of 7 tickets); not verified."
        in capsys.readouterr().out
    )

    ranking_job_run(engagement_id=engagement.pk)
    call_command("ranking_verify")
    assert "Stored rankings are true." in capsys.readouterr().out


# --- What the person sees -----------------------------------------------------------------------


def _running(engagement, django_capture_on_commit_callbacks) -> RankingJob:
    _backlog(engagement, 7)
    _change_model(engagement, "rice", django_capture_on_commit_callbacks)
    attempt = ranking_job_claim(engagement_id=engagement.pk)
    for _ in range(3):
        ranking_job_step(engagement_id=engagement.pk, attempt=attempt)
    return _job(engagement)


def test_the_backlog_page_shows_the_progress_and_still_lists_the_tickets(
    client, engagement, director, sent, django_capture_on_commit_callbacks
):
    _running(engagement, django_capture_on_commit_callbacks)
    client.force_login(director)

    response = client.get(f"/engagements/{engagement.slug}/backlog/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "Recomputing the ranking: 4 of 7 tickets" in content
    assert 'hx-get="/engagements/nordfer/backlog/ranking-job/"' in content
    assert 'hx-trigger="every 3s"' in content
    assert re.search(
        r'<progress class="ranking-job-progress w-100"\s+max="7"\s+value="4">', content
    )
    assert len(response.context["rows"]) == 7


def test_the_banner_is_translated(
    client, engagement, director, sent, django_capture_on_commit_callbacks
):
    _running(engagement, django_capture_on_commit_callbacks)
    director.language = "fr"
    director.save(update_fields=["language"])
    client.force_login(director)

    response = client.get(f"/engagements/{engagement.slug}/backlog/")

    assert "Recalcul du classement : 4 sur 7 tickets" in response.content.decode()


def test_the_settings_page_shows_the_banner_and_none_without_a_job(
    client, engagement, director, sent, django_capture_on_commit_callbacks
):
    client.force_login(director)
    url = f"/engagements/{engagement.slug}/backlog/settings/"
    assert "ranking-job" not in client.get(url).content.decode()

    _running(engagement, django_capture_on_commit_callbacks)

    assert "Recomputing the ranking: 4 of 7 tickets" in client.get(url).content.decode()


def test_the_poll_answers_the_banner_then_reloads_the_page_once_done(
    client, engagement, director, sent, django_capture_on_commit_callbacks
):
    _running(engagement, django_capture_on_commit_callbacks)
    client.force_login(director)
    url = f"/engagements/{engagement.slug}/backlog/ranking-job/"

    polled = client.get(url, HTTP_HX_REQUEST="true")
    assert "Recomputing the ranking: 4 of 7 tickets" in polled.content.decode()
    assert "HX-Refresh" not in polled

    ranking_job_run_task(engagement_id=engagement.pk)  # a new claim is refused: still running
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        ranking_jobs_sweep()

    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    assert done["HX-Refresh"] == "true"
    assert done.content == b""


def test_the_poll_and_the_api_answer_404_to_another_engagement(
    client, api_client, engagement, other_engagement, sent, django_capture_on_commit_callbacks
):
    _running(engagement, django_capture_on_commit_callbacks)
    outsider = member(other_engagement, Role.DIRECTOR)
    client.force_login(outsider)
    api_client.force_login(outsider)

    assert client.get("/engagements/nordfer/backlog/ranking-job/").status_code == 404
    response = api_client.get("/api/v1/engagements/nordfer/ranking-job/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_the_api_gives_the_job_state_and_progress(
    api_client, engagement, director, sent, django_capture_on_commit_callbacks
):
    api_client.force_login(director)
    url = "/api/v1/engagements/nordfer/ranking-job/"
    assert api_client.get(url).json() == {
        "state": "idle",
        "total": 0,
        "done": 0,
        "requested_at": None,
        "started_at": None,
        "finished_at": None,
        "error": "",
    }

    job = _running(engagement, django_capture_on_commit_callbacks)

    body = api_client.get(url).json()
    assert {key: body[key] for key in ("state", "total", "done", "finished_at", "error")} == {
        "state": "running",
        "total": 7,
        "done": 4,
        "finished_at": None,
        "error": "",
    }
    assert dt.datetime.fromisoformat(body["requested_at"]) == job.requested_at
    # The ranked list answers meanwhile.
    assert api_client.get("/api/v1/engagements/nordfer/tickets/").status_code == 200


def test_a_job_whose_budget_is_spent_goes_back_to_the_queue_and_sends_itself_again(
    engagement, sent, django_capture_on_commit_callbacks
):
    _backlog(engagement, 7)
    _change_model(engagement, "rice", django_capture_on_commit_callbacks)
    sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        step = ranking_job_run(engagement_id=engagement.pk, budget=Budget(seconds=0))

    assert step is Step.MORE
    job = _job(engagement)
    assert (job.state, job.prepared_generation, job.done) == ("queued", 1, 0)
    assert sent == [(RUN_TASK, {"engagement_id": engagement.pk})]
    # The next message resumes where it stopped (the medians are not computed again).
    assert ranking_job_run_task(engagement_id=engagement.pk) == "done"
    _true(engagement)


def test_a_database_error_is_recorded_and_the_job_waits_for_the_sweep(
    engagement, sent, monkeypatch, django_capture_on_commit_callbacks
):
    _backlog(engagement, 7)
    _change_model(engagement, "rice", django_capture_on_commit_callbacks)

    def refuse(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("backlog.services.ranking_jobs.tickets_range_rescore", refuse)
    with pytest.raises(OperationalError):
        ranking_job_run(engagement_id=engagement.pk)

    job = _job(engagement)
    assert (job.state, job.done, job.error) == (
        "running",
        0,
        "server closed the connection unexpectedly",
    )
    monkeypatch.undo()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        assert ranking_jobs_sweep() == 1
    assert _job(engagement).state == "done"
    _true(engagement)
