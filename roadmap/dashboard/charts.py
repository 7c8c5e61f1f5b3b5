"""The dashboard's charts as data: Chart.js (vendored, static/js/dashboard.js) draws them in the
browser from the JSON built here, and the page writes the same figures in a table beside each
chart. Every figure also comes formatted the way the active language writes it (``1 234,50 €``
on French pages), so that tooltips and tables read the same."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal

from collab.common.money import active_locale, money_text, number_pattern


def figure_text(value: Decimal | int, currency: str = "") -> str:
    """A figure in the active language: money when a currency is given, a count otherwise."""
    if currency:
        return money_text(Decimal(value), currency)
    return format_decimal(Decimal(value), format=number_pattern("#,##0.##"), locale=active_locale())


@dataclass(frozen=True)
class Series:
    """One layer of a chart: a key (its colour in dashboard.js), a label for its legend, a
    value per category."""

    key: str
    label: str
    values: Sequence[Decimal | int]


@dataclass(frozen=True)
class ChartCell:
    series: str
    text: str


@dataclass(frozen=True)
class ChartRow:
    """One category of a chart as its table shows it: a cell per series, and the total."""

    label: str
    cells: list[ChartCell]
    total_text: str


@dataclass(frozen=True)
class Chart:
    """A bar chart by category: several series are stacked, or side by side when
    ``grouped`` (figures that do not add up, such as estimated against realised)."""

    categories: list[str]
    series: list[Series]
    currency: str = ""
    grouped: bool = False

    @property
    def stacked(self) -> bool:
        return len(self.series) > 1 and not self.grouped

    @property
    def totalled(self) -> bool:
        """Whether the table shows a total per category."""
        return self.stacked

    @property
    def empty(self) -> bool:
        return all(not value for layer in self.series for value in layer.values)

    def _total(self, index: int) -> Decimal:
        return sum((Decimal(layer.values[index]) for layer in self.series), Decimal(0))

    @property
    def rows(self) -> list[ChartRow]:
        return [
            ChartRow(
                label=label,
                cells=[
                    ChartCell(layer.label, figure_text(layer.values[index], self.currency))
                    for layer in self.series
                ],
                total_text=figure_text(self._total(index), self.currency),
            )
            for index, label in enumerate(self.categories)
        ]

    @property
    def data(self) -> dict[str, Any]:
        """What dashboard.js draws: labels, and per series its values (numbers) and their
        texts (for tooltips), with the currency for the axis."""
        return {
            "labels": list(self.categories),
            "currency": self.currency,
            "stacked": self.stacked,
            "legend": len(self.series) > 1,
            "series": [
                {
                    "key": layer.key,
                    "label": layer.label,
                    "values": [float(value) for value in layer.values],
                    "texts": [figure_text(value, self.currency) for value in layer.values],
                }
                for layer in self.series
            ],
        }


def sparkline_json(points: Sequence[Any], currency: str = "") -> str:
    """A trend's points (``label`` and ``value`` each) as the JSON a sparkline canvas carries in
    its ``data-sparkline`` attribute."""
    return json.dumps(
        {
            "labels": [point.label for point in points],
            "values": [float(point.value) for point in points],
            "texts": [figure_text(point.value, currency) for point in points],
        },
        ensure_ascii=False,
    )


def trend_text(points: Sequence[Any], currency: str = "") -> str:
    """A trend in words for screen readers: ``2026-Q1: €1,000.00, 2026-Q2: €0.00``."""
    return ", ".join(f"{point.label}: {figure_text(point.value, currency)}" for point in points)
