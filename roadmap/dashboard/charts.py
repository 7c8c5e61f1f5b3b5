"""Server-rendered bar charts: coordinates computed here, drawn by the templates as SVG (no
script, no inline style: colours come from CSS classes named after each series)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 640
HEIGHT = 260
LEFT = 72
RIGHT = 12
TOP = 16
BOTTOM = 40
TICKS = 4


@dataclass(frozen=True)
class Series:
    """One stacked layer: a key for its CSS class, a label for its legend, a value per
    category."""

    key: str
    label: str
    values: Sequence[Decimal | int]


@dataclass(frozen=True)
class Segment:
    x: float
    y: float
    width: float
    height: float
    series: str
    label: str
    category: str
    value: Decimal | int


@dataclass(frozen=True)
class Tick:
    y: float
    value: Decimal


@dataclass(frozen=True)
class Category:
    label: str
    x: float
    values: list[Decimal | int]
    total: Decimal | int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    series: list[Series]
    categories: list[Category]
    segments: list[Segment]
    ticks: list[Tick]

    @property
    def plot_width(self) -> int:
        return self.right - self.left

    @property
    def plot_height(self) -> int:
        return self.bottom - self.top

    @property
    def empty(self) -> bool:
        return all(category.total == 0 for category in self.categories)


def nice_step(value: Decimal, *, whole: bool = False) -> Decimal:
    """The smallest of 1, 2 or 5 times a power of ten that is at least ``value`` (at least 1
    with ``whole``, for counts), so that the axis ticks are round numbers."""
    if value <= 0:
        return Decimal(1)
    exponent = math.floor(math.log10(float(value)))
    power = Decimal(10) ** exponent
    for factor in (Decimal(1), Decimal(2), Decimal(5), Decimal(10)):
        step = factor * power
        if step >= value:
            return max(step, Decimal(1)) if whole else step
    return Decimal(10) * power


def stacked_bars(*, categories: Sequence[str], series: Sequence[Series]) -> BarChart:
    """A stacked bar per category, its layers in the order of ``series`` from the bottom up;
    a single series draws plain bars."""
    count = len(categories)
    totals = [sum((Decimal(s.values[i]) for s in series), Decimal(0)) for i in range(count)]
    whole = all(isinstance(value, int) for layer in series for value in layer.values)
    step = nice_step(max(totals, default=Decimal(0)) / TICKS, whole=whole)
    top_value = step * TICKS
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    plot_height = bottom - TOP
    slot = (right - LEFT) / max(count, 1)
    bar_width = slot * 0.6

    def y_of(value: Decimal) -> float:
        return round(bottom - float(value / top_value) * plot_height, 2)

    segments: list[Segment] = []
    columns: list[Category] = []
    for index, label in enumerate(categories):
        x = round(LEFT + index * slot + (slot - bar_width) / 2, 2)
        base = Decimal(0)
        for layer in series:
            value = layer.values[index]
            if value:
                segments.append(
                    Segment(
                        x=x,
                        y=y_of(base + Decimal(value)),
                        width=round(bar_width, 2),
                        height=round(y_of(base) - y_of(base + Decimal(value)), 2),
                        series=layer.key,
                        label=layer.label,
                        category=label,
                        value=value,
                    )
                )
            base += Decimal(value)
        columns.append(
            Category(
                label=label,
                x=round(x + bar_width / 2, 2),
                values=[layer.values[index] for layer in series],
                total=sum((layer.values[index] for layer in series), 0),
            )
        )
    ticks = [Tick(y=y_of(step * index), value=step * index) for index in range(TICKS + 1)]
    return BarChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=right,
        top=TOP,
        bottom=bottom,
        series=list(series),
        categories=columns,
        segments=segments,
        ticks=ticks,
    )
