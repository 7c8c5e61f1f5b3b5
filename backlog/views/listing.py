"""What the ranked backlog page shows besides its rows: the filter menus with their counts, the
active filters as chips, the sortable column headers and the pages. Everything here reads the
query string and the grouped counts of ``selectors.ticket_facet_rows``; nothing queries."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backlog.models import CLOSED_STATUSES, Kind, Origin, Status
from backlog.scoring import Quadrant

DEFAULT_STATUSES = [status.value for status in Status if status not in CLOSED_STATUSES]
# Filters counted from the grouped rows: query parameter → column of ticket_facet_rows.
FACETS = {
    "status": "status",
    "kind": "kind",
    "origin": "origin",
    "quadrant": "quadrant",
    "assignee": "assignee_id",
    "sprint": "sprint_id",
    "needs_alignment": "needs_alignment",
}
MULTIPLE = frozenset({"status", "kind"})
# Filters that narrow the tickets before they are counted (no menu counts them).
PLAIN_FILTERS = ("q", "label", "unrouted", "objective")
KEPT = (*FACETS, *PLAIN_FILTERS, "ordering")
FILTER_LABELS = {
    "status": gettext_lazy("Status"),
    "kind": gettext_lazy("Kind"),
    "origin": gettext_lazy("Origin"),
    "quadrant": gettext_lazy("Quadrant"),
    "assignee": gettext_lazy("Assignee"),
    "sprint": gettext_lazy("Sprint"),
    "label": gettext_lazy("Label"),
    "needs_alignment": gettext_lazy("Needs alignment"),
    "unrouted": gettext_lazy("Unrouted"),
    "objective": gettext_lazy("Objective"),
    "q": gettext_lazy("Search"),
}
# Column header → its two orderings (the first click's, then the other) and how each reads.
SORTS = {
    "key": (("-created", "descending"), ("created", "ascending")),
    "score": (("score", "descending"), ("-score", "ascending")),
}


def query_with(query: QueryDict, name: str, values: Iterable[str] | None) -> str:
    """The query string with parameter ``name`` set to ``values`` (None removes it), without
    the page number: a changed filter starts from the first page."""
    changed = query.copy()
    changed.pop("page", None)
    changed.pop(name, None)
    if values is not None:
        changed.setlist(name, list(values))
    encoded = changed.urlencode()
    return f"?{encoded}" if encoded else "?"


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    count: int
    selected: bool
    href: str = ""

    # The dropdown component reads options like dicts.
    def get(self, name: str, default: Any = None) -> Any:
        return getattr(self, name, default)


@dataclass(frozen=True)
class Menu:
    name: str
    label: str
    options: list[Option]
    multiple: bool
    chosen: str = ""


@dataclass(frozen=True)
class Chip:
    label: str
    href: str


@dataclass(frozen=True)
class Sort:
    href: str
    direction: str  # "ascending", "descending" or "" (not sorted by this column)


def _text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def selected_values(query: QueryDict) -> dict[str, list[str]]:
    """The chosen values of each counted filter (the open statuses when none is chosen)."""
    chosen = {
        name: [value for value in query.getlist(name) if value] for name in FACETS if name in query
    }
    if "status" not in query:
        chosen["status"] = list(DEFAULT_STATUSES)
    return {name: values for name, values in chosen.items() if values}


def counts(rows: list[dict[str, Any]], chosen: dict[str, list[str]]) -> dict[str, dict[str, int]]:
    """For each counted filter, how many tickets each of its values would show with every
    other filter kept as chosen (a filter's own choice does not narrow its counts)."""
    result: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for row in rows:
        values = {name: _text(row[column]) for name, column in FACETS.items()}
        misses = [name for name, wanted in chosen.items() if values[name] not in wanted]
        if len(misses) > 1:
            continue
        for name in FACETS:
            if not misses or misses == [name]:
                tally = result[name]
                tally[values[name]] = tally.get(values[name], 0) + row["count"]
    return result


def total(rows: list[dict[str, Any]], chosen: dict[str, list[str]]) -> int:
    """How many tickets every chosen filter keeps."""
    return sum(
        row["count"]
        for row in rows
        if all(_text(row[FACETS[name]]) in wanted for name, wanted in chosen.items())
    )


def _named(rows: list[dict[str, Any]], column: str, *names: str) -> list[tuple[str, str]]:
    # The people or sprints of the counted tickets, by name (the first name column set).
    found: dict[str, str] = {}
    for row in rows:
        if row[column] is not None:
            found[str(row[column])] = next((row[name] for name in names if row[name]), "")
    return sorted(found.items(), key=lambda item: item[1].casefold())


def menus(
    *,
    query: QueryDict,
    chosen: dict[str, list[str]],
    tallies: dict[str, dict[str, int]],
    rows: list[dict[str, Any]],
) -> list[Menu]:
    """The filter menus in the order of the toolbar, each option with its count; the people
    and sprints offered are those of the tickets counted."""
    choices: dict[str, list[tuple[str, str]]] = {
        "status": [(str(value), str(label)) for value, label in Status.choices],
        "kind": [(str(value), str(label)) for value, label in Kind.choices],
        "origin": [(str(value), str(label)) for value, label in Origin.choices],
        "quadrant": [(str(value), str(label)) for value, label in Quadrant.choices],
        "assignee": _named(rows, "assignee_id", "assignee__display_name", "assignee__email"),
        "sprint": _named(rows, "sprint_id", "sprint__name"),
        "needs_alignment": [("true", _("Yes")), ("false", _("No"))],
    }
    result = []
    for name, options in choices.items():
        wanted = chosen.get(name, [])
        multiple = name in MULTIPLE
        built = []
        for value, label in options:
            selected = value in wanted
            # A checkbox of the form chooses several; a link replaces the one chosen.
            href = "" if multiple else query_with(query, name, None if selected else [value])
            built.append(Option(value, label, tallies[name].get(value, 0), selected, href))
        chosen_label = ", ".join(option.label for option in built if option.selected)
        result.append(Menu(name, str(FILTER_LABELS[name]), built, multiple, chosen_label))
    return result


def chips(query: QueryDict, menus_: list[Menu]) -> list[Chip]:
    """The filters chosen beyond the default view, each with the link that removes it."""
    found: list[Chip] = []
    by_name = {menu.name: menu for menu in menus_}
    for name in ("q", *FACETS, *PLAIN_FILTERS[1:]):
        values = [value for value in query.getlist(name) if value]
        if not values:
            continue
        if name == "status" and sorted(values) == sorted(DEFAULT_STATUSES):
            continue
        menu = by_name.get(name)
        shown = menu.chosen if menu and menu.chosen else ", ".join(values)
        found.append(Chip(f"{FILTER_LABELS[name]}: {shown}", query_with(query, name, None)))
    return found


def sorts(query: QueryDict) -> dict[str, Sort]:
    """Each column's sorting link (a first click sorts by it, the next reverses it) and how the
    list is sorted by it now; "rank" is the ranked order, pinned tickets first."""
    current = query.get("ordering", "")
    ranked = current in ("", "rank")
    result = {"rank": Sort(query_with(query, "ordering", None), "ascending" if ranked else "")}
    for column, (first, second) in SORTS.items():
        if current == first[0]:
            result[column] = Sort(query_with(query, "ordering", [second[0]]), first[1])
        elif current == second[0]:
            result[column] = Sort(query_with(query, "ordering", [first[0]]), second[1])
        else:
            result[column] = Sort(query_with(query, "ordering", [first[0]]), "")
    return result


def filters_for(query: QueryDict, keep: Callable[[str], bool]) -> QueryDict | None:
    """The query's filters whose name ``keep`` accepts (None when there is none)."""
    kept = QueryDict(mutable=True)
    for name in KEPT:
        values = [value for value in query.getlist(name) if value]
        if keep(name) and values:
            kept.setlist(name, values)
    return kept or None
