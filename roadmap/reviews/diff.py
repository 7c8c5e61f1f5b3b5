"""What changed between two snapshots: a pure function over their JSON documents.

Rules (docs/roadmap.md):

- roadmap items are matched by id: added, removed, moved (another quarter or lane), status changed;
- tickets are matched by key: added, removed, status changed;
- a score change is reported when it is at least ``score_threshold`` of the earlier score
  (10 % by default), or when a score appears, disappears, or leaves zero;
- a rank change is reported when a ticket ranked in both moved by at least ``rank_threshold``
  places (3 by default); ``places`` is positive when it climbed;
- value delivered: the rule of ``roadmap.reviews.value`` (the review pack's), over the later
  snapshot's tickets done from the end of the earlier snapshot's review period to the end of the
  later one's; snapshots written before they carried periods and done dates fall back to the
  tickets done in the later snapshot and not done (or absent) in the earlier one. A missing
  value counts 0;
- objectives are matched by id: added, removed, and changed (title, weight, KPI, target, status).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from roadmap.reviews.value import DeliveredTicket, value_delivered_between

DEFAULT_SCORE_THRESHOLD = Decimal("0.10")
DEFAULT_RANK_THRESHOLD = 3
DONE = "done"
OBJECTIVE_FIELDS = ("title", "weight", "kpi", "target", "status")
_PERCENT = Decimal("0.1")


@dataclass(frozen=True)
class ItemRef:
    id: int
    title: str
    place: str
    status: str


@dataclass(frozen=True)
class ItemMove:
    id: int
    title: str
    before: str
    after: str


@dataclass(frozen=True)
class ItemStatusChange:
    id: int
    title: str
    before: str
    after: str


@dataclass(frozen=True)
class TicketRef:
    key: str
    title: str
    status: str
    rank: int | None
    score: Decimal | None


@dataclass(frozen=True)
class TicketStatusChange:
    key: str
    title: str
    before: str
    after: str


@dataclass(frozen=True)
class ScoreChange:
    key: str
    title: str
    before: Decimal | None
    after: Decimal | None
    change_percent: Decimal | None  # None when there is no earlier, non-zero score


@dataclass(frozen=True)
class RankChange:
    key: str
    title: str
    before: int
    after: int
    places: int  # positive: climbed


@dataclass(frozen=True)
class Delivered:
    key: str
    title: str
    annual_value: Decimal | None


@dataclass(frozen=True)
class ObjectiveRef:
    id: int
    title: str


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class ObjectiveChange:
    id: int
    title: str
    changes: list[FieldChange]


@dataclass(frozen=True)
class SnapshotDiff:
    before_taken_at: str
    after_taken_at: str
    score_threshold: Decimal
    rank_threshold: int
    items_added: list[ItemRef] = field(default_factory=list)
    items_removed: list[ItemRef] = field(default_factory=list)
    items_moved: list[ItemMove] = field(default_factory=list)
    item_status_changes: list[ItemStatusChange] = field(default_factory=list)
    tickets_added: list[TicketRef] = field(default_factory=list)
    tickets_removed: list[TicketRef] = field(default_factory=list)
    ticket_status_changes: list[TicketStatusChange] = field(default_factory=list)
    score_changes: list[ScoreChange] = field(default_factory=list)
    rank_changes: list[RankChange] = field(default_factory=list)
    delivered: list[Delivered] = field(default_factory=list)
    value_delivered: Decimal = Decimal("0")
    objectives_added: list[ObjectiveRef] = field(default_factory=list)
    objectives_removed: list[ObjectiveRef] = field(default_factory=list)
    objectives_changed: list[ObjectiveChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(
            getattr(self, f.name)
            for f in dataclasses.fields(self)
            if isinstance(getattr(self, f.name), list)
        )

    def as_dict(self) -> dict[str, Any]:
        """The difference as JSON-ready data (decimals as text)."""
        return _jsonable(dataclasses.asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _key_order(key: str) -> tuple[str, int]:
    prefix, _, number = key.rpartition("-")
    return prefix, int(number) if number.isdigit() else 0


def _items(document: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {
        item["id"]: {**item, "place": group["place"]}
        for group in document.get("roadmap", [])
        for item in group["items"]
    }


def _item_ref(item: dict[str, Any]) -> ItemRef:
    return ItemRef(id=item["id"], title=item["title"], place=item["place"], status=item["status"])


def _ticket_ref(row: dict[str, Any]) -> TicketRef:
    return TicketRef(
        key=row["key"],
        title=row["title"],
        status=row["status"],
        rank=row["rank"],
        score=_decimal(row["score"]),
    )


def _score_change(
    row_before: dict[str, Any], row_after: dict[str, Any], threshold: Decimal
) -> ScoreChange | None:
    before, after = _decimal(row_before["score"]), _decimal(row_after["score"])
    if before == after:
        return None
    percent = None
    if before is not None and after is not None and before != 0:
        ratio = (after - before) / abs(before)
        if abs(ratio) < threshold:
            return None
        percent = (ratio * 100).quantize(_PERCENT)
    return ScoreChange(
        key=row_after["key"],
        title=row_after["title"],
        before=before,
        after=after,
        change_percent=percent,
    )


def _diff_items(before: dict[str, Any], after: dict[str, Any], result: dict[str, list]) -> None:
    old, new = _items(before), _items(after)
    result["items_added"] = [_item_ref(new[i]) for i in sorted(new.keys() - old.keys())]
    result["items_removed"] = [_item_ref(old[i]) for i in sorted(old.keys() - new.keys())]
    for item_id in sorted(old.keys() & new.keys()):
        a, b = old[item_id], new[item_id]
        if a["place"] != b["place"]:
            result["items_moved"].append(
                ItemMove(id=item_id, title=b["title"], before=a["place"], after=b["place"])
            )
        if a["status"] != b["status"]:
            result["item_status_changes"].append(
                ItemStatusChange(
                    id=item_id, title=b["title"], before=a["status"], after=b["status"]
                )
            )


def _diff_tickets(
    before: dict[str, Any],
    after: dict[str, Any],
    result: dict[str, list],
    score_threshold: Decimal,
    rank_threshold: int,
) -> Decimal:
    old = {row["key"]: row for row in before.get("backlog", [])}
    new = {row["key"]: row for row in after.get("backlog", [])}
    result["tickets_added"] = [
        _ticket_ref(new[k]) for k in sorted(new.keys() - old.keys(), key=_key_order)
    ]
    result["tickets_removed"] = [
        _ticket_ref(old[k]) for k in sorted(old.keys() - new.keys(), key=_key_order)
    ]
    for key in sorted(old.keys() & new.keys(), key=_key_order):
        a, b = old[key], new[key]
        if a["status"] != b["status"]:
            result["ticket_status_changes"].append(
                TicketStatusChange(key=key, title=b["title"], before=a["status"], after=b["status"])
            )
        score = _score_change(a, b, score_threshold)
        if score is not None:
            result["score_changes"].append(score)
        if a["rank"] is not None and b["rank"] is not None:
            places = a["rank"] - b["rank"]
            if abs(places) >= rank_threshold:
                result["rank_changes"].append(
                    RankChange(
                        key=key, title=b["title"], before=a["rank"], after=b["rank"], places=places
                    )
                )
    window = _delivery_window(before, after)
    if window is not None:
        delivered = value_delivered_between(
            (
                DeliveredTicket(
                    key=key,
                    title=row["title"],
                    done_at=dt.datetime.fromisoformat(row["done_at"]),
                    annual_value=_decimal(row["annual_value"]),
                )
                for key, row in new.items()
                if row["status"] == DONE and row.get("done_at")
            ),
            start=window[0],
            end=window[1],
        )
        result["delivered"] = [
            Delivered(key=t.key, title=t.title, annual_value=t.annual_value)
            for t in delivered.tickets
        ]
        return delivered.total
    total = Decimal("0")
    for key in sorted(new, key=_key_order):
        row = new[key]
        if row["status"] == DONE and old.get(key, {}).get("status") != DONE:
            value = _decimal(row["annual_value"])
            result["delivered"].append(Delivered(key=key, title=row["title"], annual_value=value))
            total += value or 0
    return total


def _delivery_window(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dt.datetime, dt.datetime] | None:
    """From the end of the earlier review's period to the end of the later one's, when both
    snapshots carry them (and the later one its done dates)."""
    start, end = before.get("period_end"), after.get("period_end")
    if not start or not end:
        return None
    return dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end)


def _diff_objectives(before: dict[str, Any], after: dict[str, Any], result: dict) -> None:
    old = {row["id"]: row for row in before.get("objectives", [])}
    new = {row["id"]: row for row in after.get("objectives", [])}
    result["objectives_added"] = [
        ObjectiveRef(id=i, title=new[i]["title"]) for i in sorted(new.keys() - old.keys())
    ]
    result["objectives_removed"] = [
        ObjectiveRef(id=i, title=old[i]["title"]) for i in sorted(old.keys() - new.keys())
    ]
    for objective_id in sorted(old.keys() & new.keys()):
        changes = [
            FieldChange(field=name, before=old[objective_id][name], after=new[objective_id][name])
            for name in OBJECTIVE_FIELDS
            if old[objective_id][name] != new[objective_id][name]
        ]
        if changes:
            result["objectives_changed"].append(
                ObjectiveChange(id=objective_id, title=new[objective_id]["title"], changes=changes)
            )


def snapshot_diff(
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    score_threshold: Decimal = DEFAULT_SCORE_THRESHOLD,
    rank_threshold: int = DEFAULT_RANK_THRESHOLD,
) -> SnapshotDiff:
    """What changed from the ``before`` snapshot document to the ``after`` one."""
    result: dict[str, list] = {
        name: []
        for name in (
            "items_moved",
            "item_status_changes",
            "ticket_status_changes",
            "score_changes",
            "rank_changes",
            "delivered",
            "objectives_changed",
        )
    }
    _diff_items(before, after, result)
    value = _diff_tickets(before, after, result, score_threshold, rank_threshold)
    _diff_objectives(before, after, result)
    return SnapshotDiff(
        before_taken_at=before.get("taken_at", ""),
        after_taken_at=after.get("taken_at", ""),
        score_threshold=score_threshold,
        rank_threshold=rank_threshold,
        value_delivered=value,
        **result,
    )
