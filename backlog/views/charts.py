"""Server-rendered charts: coordinates computed here, drawn by the templates as SVG."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from backlog.scoring import Medians

WIDTH = 720
HEIGHT = 440
LEFT = 90
RIGHT = 20
TOP = 20
BOTTOM = 50


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    key: str
    title: str
    url: str
    quadrant: str | None
    annual_value: Decimal
    effort_days: Decimal


@dataclass(frozen=True)
class Tick:
    position: float
    value: Decimal


@dataclass(frozen=True)
class MatrixChart:
    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    dots: list[Dot]
    median_x: float | None
    median_y: float | None
    x_ticks: list[Tick]
    y_ticks: list[Tick]

    @property
    def plot_width(self) -> int:
        return self.right - self.left

    @property
    def plot_height(self) -> int:
        return self.bottom - self.top

    @property
    def center_x(self) -> float:
        return self.median_x if self.median_x is not None else (self.left + self.right) / 2

    @property
    def center_y(self) -> float:
        return self.median_y if self.median_y is not None else (self.top + self.bottom) / 2


def _upper(values: list[Decimal]) -> Decimal:
    top = max(values, default=Decimal(0))
    return top * Decimal("1.1") if top > 0 else Decimal(1)


def _ticks(upper: Decimal, to_position, count: int = 4) -> list[Tick]:
    return [
        Tick(position=to_position(upper * i / count), value=upper * i / count)
        for i in range(count + 1)
    ]


def matrix_chart(
    points: list[tuple[str, str, str, str | None, Decimal, Decimal]], medians: Medians
) -> MatrixChart:
    """The value/effort scatter: x effort (person-days), y annual value, the medians as lines.

    ``points`` are (key, title, url, quadrant, annual value, effort days)."""
    left, right = LEFT, WIDTH - RIGHT
    top, bottom = TOP, HEIGHT - BOTTOM
    max_effort = _upper([p[5] for p in points] + [medians.effort_days or Decimal(0)])
    max_value = _upper([p[4] for p in points] + [medians.annual_value or Decimal(0)])

    def x_of(effort: Decimal) -> float:
        return round(left + float(effort / max_effort) * (right - left), 1)

    def y_of(value: Decimal) -> float:
        return round(bottom - float(value / max_value) * (bottom - top), 1)

    dots = [
        Dot(
            x=x_of(effort),
            y=y_of(value),
            key=key,
            title=title,
            url=url,
            quadrant=quadrant,
            annual_value=value,
            effort_days=effort,
        )
        for key, title, url, quadrant, value, effort in points
    ]
    return MatrixChart(
        width=WIDTH,
        height=HEIGHT,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        dots=dots,
        median_x=x_of(medians.effort_days) if medians.effort_days is not None else None,
        median_y=y_of(medians.annual_value) if medians.annual_value is not None else None,
        x_ticks=_ticks(max_effort, x_of),
        y_ticks=_ticks(max_value, y_of),
    )


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: Decimal
    label_x: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    baseline: float
    bars: list[Bar]


def bar_chart(
    values: list[tuple[str, Decimal]], *, width: int = 480, height: int = 180
) -> BarChart:
    """Vertical bars, one per (label, value), scaled to the largest value."""
    baseline = height - 30
    top = 20
    upper = max((value for _label, value in values), default=Decimal(0)) or Decimal(1)
    slot = (width - 20) / max(len(values), 1)
    bars = []
    for index, (label, value) in enumerate(values):
        bar_height = round(float(value / upper) * (baseline - top), 1)
        x = round(10 + index * slot + slot * 0.15, 1)
        bars.append(
            Bar(
                x=x,
                y=round(baseline - bar_height, 1),
                width=round(slot * 0.7, 1),
                height=bar_height,
                label=label,
                value=value,
                label_x=round(x + slot * 0.35, 1),
            )
        )
    return BarChart(width=width, height=height, baseline=baseline, bars=bars)
