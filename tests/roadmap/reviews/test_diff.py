"""The diff of two snapshots, on a constructed pair holding every kind of change."""

from decimal import Decimal

from roadmap.reviews.diff import (
    Delivered,
    FieldChange,
    ItemMove,
    ItemRef,
    ItemStatusChange,
    ObjectiveChange,
    ObjectiveRef,
    RankChange,
    ScoreChange,
    SnapshotDiff,
    TicketRef,
    TicketStatusChange,
    snapshot_diff,
)


def ticket(key, status, score, rank, value=None):
    return {
        "key": key,
        "title": f"Title {key}",
        "status": status,
        "score": score,
        "rank": rank,
        "quadrant": None,
        "annual_value": value,
        "effort_days": "2",
    }


def item(pk, title, status, quarter="", lane="", tickets=()):
    return {
        "id": pk,
        "title": title,
        "status": status,
        "quarter": quarter,
        "lane": lane,
        "tickets": list(tickets),
    }


def objective(pk, title, weight="1", kpi="", target="", status="active"):
    return {
        "id": pk,
        "title": title,
        "weight": weight,
        "kpi": kpi,
        "target": target,
        "status": status,
    }


BEFORE = {
    "format": 1,
    "taken_at": "2027-01-05T11:00:00+00:00",
    "backlog": [
        ticket("NORD-1", "ready", "100.000000", 1),  # score -10 % exactly: reported
        ticket("NORD-2", "ready", "50.000000", 2),  # score +9.9 %: not reported
        ticket("NORD-3", "in_progress", "40.000000", 3, "12000.00"),  # becomes done
        ticket("NORD-4", "ready", "30.000000", 4),  # climbs 3 places: reported
        ticket("NORD-5", "ready", "20.000000", 5),
        ticket("NORD-6", "ready", "10.000000", 6),
        ticket("NORD-7", "ready", "5.000000", 7),  # falls 2 places: not reported
        ticket("NORD-8", "new", None, 8),  # gets a score
        ticket("NORD-9", "triage", "1.000000", 9),  # removed
        ticket("NORD-10", "done", "3.000000", None, "500.00"),  # already done: not delivered
    ],
    "roadmap": [
        {"place": "2027-Q1", "items": [item(1, "Punch-out", "planned", quarter="2027-Q1")]},
        {"place": "2027-Q2", "items": [item(2, "B2B prices", "in_progress", quarter="2027-Q2")]},
        {"place": "now", "items": [item(3, "Old search", "planned", lane="now")]},
    ],
    "objectives": [
        objective(1, "B2B online orders +15 %", kpi="B2B orders", target="+15 %"),
        objective(2, "Fewer returns"),
    ],
}

AFTER = {
    "format": 1,
    "taken_at": "2027-04-06T10:00:00+00:00",
    "backlog": [
        ticket("NORD-4", "ready", "30.000000", 1),
        ticket("NORD-1", "ready", "90.000000", 2),
        ticket("NORD-2", "ready", "54.950000", 3),
        ticket("NORD-5", "ready", "20.000000", 4),
        ticket("NORD-6", "ready", "10.000000", 5),
        ticket("NORD-8", "ready", "7.000000", 6),
        ticket("NORD-11", "new", None, 7),  # added
        ticket("NORD-7", "ready", "5.000000", 9),
        ticket("NORD-3", "done", "40.000000", None, "12000.00"),
        ticket("NORD-12", "done", None, None, "3000.50"),  # added already done: delivered
        ticket("NORD-10", "done", "3.000000", None, "500.00"),
    ],
    "roadmap": [
        {"place": "2027-Q2", "items": [item(2, "B2B prices", "delivered", quarter="2027-Q2")]},
        {
            "place": "2027-Q3",
            "items": [
                item(1, "Punch-out", "planned", quarter="2027-Q3"),
                item(4, "Loyalty", "planned", quarter="2027-Q3"),
            ],
        },
    ],
    "objectives": [
        objective(1, "B2B online orders +15 %", weight="2", kpi="B2B orders", target="+20 %"),
        objective(3, "Mobile conversion", status="active"),
    ],
}


def test_the_diff_names_every_kind_of_change_exactly():
    result = snapshot_diff(BEFORE, AFTER)

    assert result == SnapshotDiff(
        before_taken_at="2027-01-05T11:00:00+00:00",
        after_taken_at="2027-04-06T10:00:00+00:00",
        score_threshold=Decimal("0.10"),
        rank_threshold=3,
        items_added=[ItemRef(id=4, title="Loyalty", place="2027-Q3", status="planned")],
        items_removed=[ItemRef(id=3, title="Old search", place="now", status="planned")],
        items_moved=[ItemMove(id=1, title="Punch-out", before="2027-Q1", after="2027-Q3")],
        item_status_changes=[
            ItemStatusChange(id=2, title="B2B prices", before="in_progress", after="delivered")
        ],
        tickets_added=[
            TicketRef(key="NORD-11", title="Title NORD-11", status="new", rank=7, score=None),
            TicketRef(key="NORD-12", title="Title NORD-12", status="done", rank=None, score=None),
        ],
        tickets_removed=[
            TicketRef(
                key="NORD-9", title="Title NORD-9", status="triage", rank=9, score=Decimal("1")
            )
        ],
        ticket_status_changes=[
            TicketStatusChange(
                key="NORD-3", title="Title NORD-3", before="in_progress", after="done"
            ),
            TicketStatusChange(key="NORD-8", title="Title NORD-8", before="new", after="ready"),
        ],
        score_changes=[
            ScoreChange(
                key="NORD-1",
                title="Title NORD-1",
                before=Decimal("100"),
                after=Decimal("90"),
                change_percent=Decimal("-10.0"),
            ),
            ScoreChange(
                key="NORD-8",
                title="Title NORD-8",
                before=None,
                after=Decimal("7"),
                change_percent=None,
            ),
        ],
        rank_changes=[RankChange(key="NORD-4", title="Title NORD-4", before=4, after=1, places=3)],
        delivered=[
            Delivered(key="NORD-3", title="Title NORD-3", annual_value=Decimal("12000.00")),
            Delivered(key="NORD-12", title="Title NORD-12", annual_value=Decimal("3000.50")),
        ],
        value_delivered=Decimal("15000.50"),
        objectives_added=[ObjectiveRef(id=3, title="Mobile conversion")],
        objectives_removed=[ObjectiveRef(id=2, title="Fewer returns")],
        objectives_changed=[
            ObjectiveChange(
                id=1,
                title="B2B online orders +15 %",
                changes=[
                    FieldChange(field="weight", before="1", after="2"),
                    FieldChange(field="target", before="+15 %", after="+20 %"),
                ],
            )
        ],
    )


def test_the_diff_as_json_writes_decimals_as_text():
    data = snapshot_diff(BEFORE, AFTER).as_dict()

    assert data["value_delivered"] == "15000.50"
    assert data["score_changes"][0] == {
        "key": "NORD-1",
        "title": "Title NORD-1",
        "before": "100.000000",
        "after": "90.000000",
        "change_percent": "-10.0",
    }
    assert data["rank_changes"] == [
        {"key": "NORD-4", "title": "Title NORD-4", "before": 4, "after": 1, "places": 3}
    ]


def test_thresholds_can_be_changed():
    result = snapshot_diff(BEFORE, AFTER, score_threshold=Decimal("0.05"), rank_threshold=2)

    assert [change.key for change in result.score_changes] == ["NORD-1", "NORD-2", "NORD-8"]
    assert [change.key for change in result.rank_changes] == ["NORD-4", "NORD-7", "NORD-8"]


def test_a_snapshot_compared_with_itself_has_no_change():
    result = snapshot_diff(AFTER, AFTER)

    assert result.is_empty
    assert result.value_delivered == Decimal("0")
