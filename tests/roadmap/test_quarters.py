"""Quarter arithmetic: parsing, the quarter of a date, adding and subtracting across years."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from roadmap.quarters import Quarter, is_quarter, iter_quarters, quarter_range


def test_a_quarter_is_parsed_from_and_written_as_year_dash_q_number():
    quarter = Quarter.parse("2027-Q1")

    assert (quarter.year, quarter.number) == (2027, 1)
    assert str(quarter) == "2027-Q1"
    assert Quarter.parse(" 2026-q4 ") == Quarter(2026, 4)


@pytest.mark.parametrize("text", ["", "2027", "2027-Q0", "2027-Q5", "27-Q1", "2027Q1", "Q1-2027"])
def test_anything_else_is_not_a_quarter(text):
    with pytest.raises(ValueError):
        Quarter.parse(text)
    assert is_quarter(text) is False


def test_a_quarter_number_outside_one_to_four_is_refused():
    with pytest.raises(ValueError):
        Quarter(2027, 5)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-Q4", 1, "2027-Q1"),
        ("2026-Q3", 2, "2027-Q1"),
        ("2026-Q1", 4, "2027-Q1"),
        ("2026-Q2", 11, "2029-Q1"),
        ("2026-Q2", 0, "2026-Q2"),
        ("2027-Q1", -1, "2026-Q4"),
    ],
)
def test_adding_quarters_crosses_year_boundaries(start, n, expected):
    assert str(Quarter.parse(start) + n) == expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2027-Q1", 1, "2026-Q4"),
        ("2027-Q2", 2, "2026-Q4"),
        ("2027-Q1", 4, "2026-Q1"),
        ("2027-Q1", 9, "2024-Q4"),
    ],
)
def test_subtracting_quarters_crosses_year_boundaries(start, n, expected):
    assert str(Quarter.parse(start) - n) == expected


def test_next_and_previous_wrap_around_the_year():
    assert Quarter(2026, 4).next() == Quarter(2027, 1)
    assert Quarter(2027, 1).previous() == Quarter(2026, 4)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 12, 31), "2026-Q4"),
        (datetime.date(2027, 1, 1), "2027-Q1"),
        (datetime.date(2027, 3, 31), "2027-Q1"),
        (datetime.date(2027, 4, 1), "2027-Q2"),
        (datetime.date(2027, 6, 30), "2027-Q2"),
        (datetime.date(2027, 7, 1), "2027-Q3"),
        (datetime.date(2027, 9, 30), "2027-Q3"),
        (datetime.date(2027, 10, 1), "2027-Q4"),
    ],
)
def test_the_quarter_of_a_date(day, expected):
    assert str(Quarter.of(day)) == expected


def test_a_quarter_runs_from_its_first_to_its_last_day():
    assert (Quarter(2026, 4).start, Quarter(2026, 4).end) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 12, 31),
    )
    assert (Quarter(2027, 1).start, Quarter(2027, 1).end) == (
        datetime.date(2027, 1, 1),
        datetime.date(2027, 3, 31),
    )
    assert Quarter(2028, 1).end == datetime.date(2028, 3, 31)
    assert Quarter(2027, 2).end == datetime.date(2027, 6, 30)
    assert Quarter(2027, 3).end == datetime.date(2027, 9, 30)
    assert Quarter(2026, 4).contains(datetime.date(2026, 12, 31))
    assert not Quarter(2026, 4).contains(datetime.date(2027, 1, 1))


def test_quarters_compare_by_year_then_number():
    assert Quarter(2026, 4) < Quarter(2027, 1) < Quarter(2027, 2)
    assert Quarter(2027, 1) >= Quarter(2026, 4)
    assert sorted([Quarter(2027, 1), Quarter(2026, 4), Quarter(2026, 1)]) == [
        Quarter(2026, 1),
        Quarter(2026, 4),
        Quarter(2027, 1),
    ]
    assert len({Quarter(2027, 1), Quarter.parse("2027-Q1")}) == 1


def test_a_range_between_two_quarters_spans_the_new_year():
    assert [str(q) for q in quarter_range(Quarter(2026, 3), Quarter(2027, 2))] == [
        "2026-Q3",
        "2026-Q4",
        "2027-Q1",
        "2027-Q2",
    ]
    assert quarter_range(Quarter(2027, 1), Quarter(2026, 4)) == []
    assert [str(q) for q in iter_quarters(Quarter(2026, 4), 3)] == [
        "2026-Q4",
        "2027-Q1",
        "2027-Q2",
    ]
    assert Quarter(2026, 3).quarters_until(Quarter(2027, 2)) == 3


@time_machine.travel(datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC), tick=False)
def test_the_current_quarter_follows_the_active_time_zone():
    from django.utils import timezone

    with timezone.override("UTC"):
        assert Quarter.current() == Quarter(2026, 4)
    with timezone.override("Europe/Paris"):
        assert Quarter.current() == Quarter(2027, 1)
