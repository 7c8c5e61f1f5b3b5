import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.core.exceptions import ValidationError

from roles.models import Invitation, Role, RoleAssignment
from roles.services import invitations_send

# A Redis database of its own, so the worker never consumes messages meant for another run.
WORKER_REDIS_URL = os.environ.get("TEST_WORKER_REDIS_URL", "redis://127.0.0.1:6379/9")


@pytest.mark.worker
def test_a_real_worker_answers_ping_through_redis(tmp_path):
    celery_bin = Path(sys.executable).with_name("celery")
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "REDIS_URL": WORKER_REDIS_URL,
        "TANDEM_RUN_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "collab.settings",
    }
    with log.open("w") as output:
        worker = subprocess.Popen(  # noqa: S603 - our own virtualenv's celery
            [
                str(celery_bin),
                "-A",
                "collab",
                "worker",
                "--pool=solo",
                "-Q",
                "celery",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    sender = Celery("tandem-test", broker=WORKER_REDIS_URL, backend=WORKER_REDIS_URL)
    try:
        result = sender.send_task("collab.tasks.ping_task", queue="celery")
        try:
            answer = result.get(timeout=30)
        except Exception as error:
            pytest.fail(f"no answer from the worker ({error!r}); its log:\n{log.read_text()}")
        assert answer == "pong"
    finally:
        sender.close()
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=5)
    assert worker.returncode is not None


@pytest.fixture
def sent(monkeypatch):
    """Tasks handed to the broker (the process boundary), in order."""
    calls: list[tuple[str, dict]] = []

    class Broker:
        def send_task(self, name, kwargs=None, **options):
            calls.append((name, kwargs))

    monkeypatch.setattr("collab.common.tasks.current_app", Broker())
    return calls


@pytest.mark.django_db
def test_invitations_send_schedules_each_email_only_after_commit(
    engagement, admin_user, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = invitations_send(
            engagement=engagement,
            invited_by=admin_user,
            emails=["lea.fontaine@atelier.example", "thomas.girard@atelier.example"],
            role=Role.TESTER,
        )
        assert sent == []

    assert len(callbacks) == 2
    for callback in callbacks:
        callback()
    assert sent == [
        ("roles.tasks.invitation_email_task", {"invitation_id": invitation.pk})
        for invitation in batch.invitations
    ]


@pytest.mark.django_db
def test_a_refused_invitation_batch_schedules_nothing(
    engagement, admin_user, sent, django_capture_on_commit_callbacks
):
    RoleAssignment.objects.create(engagement=engagement, person=admin_user, role=Role.TESTER)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError),
    ):
        invitations_send(
            engagement=engagement,
            invited_by=admin_user,
            emails=["admin@atelier.example", "new.person@example.com"],
            role=Role.TESTER,
        )

    assert callbacks == []
    assert sent == []
    assert not Invitation.objects.exists()
