"""A frozen or unreachable Redis costs one request per process its timeout, not every request:
the throttle and the enqueueing skip Redis for a while after a failure."""

import logging
import time

import pytest
from kombu.exceptions import OperationalError
from redis.exceptions import TimeoutError as RedisTimeout

from collab.common import tasks as enqueueing
from collab.common import throttling
from roles.models import Role
from tests.factories import member


class FrozenBroker:
    def __init__(self):
        self.calls = 0

    def send_task(self, name, kwargs=None, **options):
        self.calls += 1
        raise OperationalError("timed out")


def test_after_a_failed_send_the_process_leaves_work_to_the_sweeps_for_a_while(monkeypatch, caplog):
    broker = FrozenBroker()
    monkeypatch.setattr("collab.common.tasks.current_app", broker)

    with caplog.at_level(logging.INFO, logger="collab.common.tasks"):
        started = time.monotonic()
        enqueueing._send("collab.rhythm.tasks.notices_send_task", {})
        enqueueing._send("collab.rhythm.tasks.notices_send_task", {})
        assert broker.calls == 1
        assert enqueueing._skip_until >= started + enqueueing.SKIP_SECONDS
        monkeypatch.setattr(enqueueing, "_skip_until", time.monotonic())  # the while is over
        enqueueing._send("collab.rhythm.tasks.notices_send_task", {})

    assert broker.calls == 2
    assert [r.levelname for r in caplog.records] == ["WARNING", "INFO", "WARNING"]


@pytest.mark.django_db
def test_after_a_cache_failure_the_api_is_served_without_asking_redis(
    api_client, engagement, monkeypatch
):
    calls = []

    def frozen(*args, **kwargs):
        calls.append(args)
        raise RedisTimeout("Timeout reading from socket")

    monkeypatch.setattr(throttling.PrincipalRateThrottle, "cache", type("C", (), {"get": frozen}))
    api_client.force_login(member(engagement, Role.PROJECT_MANAGER))

    first = api_client.get("/api/v1/engagements/nordfer/tickets/")
    second = api_client.get("/api/v1/engagements/nordfer/tickets/")

    assert (first.status_code, second.status_code) == (200, 200)
    assert len(calls) == 1
