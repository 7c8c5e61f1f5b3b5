"""Keyset (cursor) pagination of the ranked backlog.

DRF's ``CursorPagination`` keeps the position on the first ordering field only and counts an
offset among equal values; the score is NULL for unscored tickets and equal for many, so that
cursor would break on NULL and grow slow on ties. Here the cursor holds every ordering key of
the last row: each ordering ends with the ticket number (unique in the engagement), and the
nullable keys are coalesced to a sentinel that sorts them last, so the position is total.

The ranked order (the default) and the score order are the keys of the ``ticket_ranked`` and
``ticket_scored`` indexes, all ascending: the position is one row comparison
``(rank key, score key, number) > (…)`` that the index answers by seeking, so a deep page costs
what the first one does.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import F, Q, QuerySet, Value
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.db.models.functions import Coalesce
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from backlog.models import RankKey, ScoreKey
from backlog.scoring import SCORE_FIELD
from collab.common.pagination import CursorPagination

# A sentinel above every real score: the lowest-first order keeps the unscored last.
_UNSCORED_HIGH = Value(Decimal(10) ** 30, output_field=SCORE_FIELD)


def _decimal(raw: Any) -> Decimal:
    return Decimal(str(raw))


def _datetime(raw: Any) -> datetime.datetime:
    value = parse_datetime(str(raw))
    if value is None:
        raise ValueError(raw)
    return value


@dataclass(frozen=True)
class Key:
    name: str
    descending: bool
    parse: Callable[[Any], Any]


_RANK = Key("cursor_rank", False, int)
_SCORE_KEY = Key("cursor_score", False, _decimal)
_SCORE_ASC = Key("cursor_score_asc", False, _decimal)
_NUMBER = Key("number", False, int)
_NUMBER_DESC = Key("number", True, int)

# ``?ordering=`` (validated by TicketFilter) → the keys of the order; no value: pinned rank
# first, then score, as the backlog page shows it.
ORDER_KEYS: dict[str, tuple[Key, ...]] = {
    "rank": (_RANK, _SCORE_KEY, _NUMBER),
    "score": (_SCORE_KEY, _NUMBER),
    "-score": (_SCORE_ASC, _NUMBER_DESC),
    "created": (Key("created_at", False, _datetime), _NUMBER),
    "-created": (Key("created_at", True, _datetime), _NUMBER_DESC),
    "updated": (Key("updated_at", False, _datetime), _NUMBER),
    "-updated": (Key("updated_at", True, _datetime), _NUMBER_DESC),
}
DEFAULT_ORDERING = "rank"


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def _beyond(keys: tuple[Key, ...], values: list[Any], *, backwards: bool) -> Any:
    """Rows strictly after (or before, ``backwards``) the position ``values`` in this order: a
    row comparison when every key sorts the same way (an index seeks it), else its expansion."""
    if len({key.descending for key in keys}) == 1:
        ahead = keys[0].descending != backwards
        lookup = TupleLessThan if ahead else TupleGreaterThan
        return lookup(Tuple(*(F(key.name) for key in keys)), tuple(values))
    condition = Q()
    for index, key in enumerate(keys):
        ahead = key.descending != backwards
        step = Q(**{f"{key.name}__{'lt' if ahead else 'gt'}": values[index]})
        for earlier, value in zip(keys[:index], values[:index], strict=True):
            step &= Q(**{earlier.name: value})
        condition |= step
    return condition


class TicketCursorPagination(CursorPagination):
    """Pages of the ranked backlog, in the order named by ``?ordering=`` (score, rank, created,
    updated, each reversible with ``-``)."""

    invalid_cursor_message = _("Invalid cursor.")

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list:
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        ordering = request.query_params.get("ordering") or DEFAULT_ORDERING
        self.keys = ORDER_KEYS.get(ordering, ORDER_KEYS[DEFAULT_ORDERING])
        cursor = self._decode(request)
        queryset = queryset.annotate(
            cursor_rank=RankKey(),
            cursor_score=ScoreKey(),
            cursor_score_asc=Coalesce(F("score"), _UNSCORED_HIGH),
        )
        backwards = cursor is not None and cursor[1]
        if cursor is not None:
            queryset = queryset.filter(_beyond(self.keys, cursor[0], backwards=backwards))
        order = [
            F(key.name).desc() if key.descending != backwards else F(key.name).asc()
            for key in self.keys
        ]
        rows = list(queryset.order_by(*order)[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if backwards:
            rows.reverse()
        self.has_next = more if not backwards else True
        self.has_previous = cursor is not None if not backwards else more
        self.first, self.last = (rows[0], rows[-1]) if rows else (None, None)
        return rows

    def _decode(self, request: Request) -> tuple[list[Any], bool] | None:
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return None
        try:
            payload = json.loads(base64.urlsafe_b64decode(raw.encode("ascii")))
            values = [key.parse(value) for key, value in zip(self.keys, payload["k"], strict=True)]
            return values, bool(payload.get("b"))
        except (
            binascii.Error,
            InvalidOperation,
            KeyError,
            TypeError,
            ValueError,
            UnicodeError,
        ):
            raise NotFound(self.invalid_cursor_message) from None

    def _link(self, row: Any, *, backwards: bool) -> str:
        # A page of model instances, or of plain values (the ticket list's).
        read = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
        payload = {"k": [_encode(read(key.name)) for key in self.keys]}
        if backwards:
            payload["b"] = 1
        token = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def get_next_link(self) -> str | None:
        if not self.has_next or self.last is None:
            return None
        return self._link(self.last, backwards=False)

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        if self.first is None:
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self._link(self.first, backwards=True)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )
