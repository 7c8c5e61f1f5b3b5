"""The one way a view turns a selector's answer into a 404."""

from __future__ import annotations

from django.http import Http404


def found_or_404[T](found: T | None, what: str) -> T:
    """What a scoped selector found, or 404: a missing object and another engagement's object
    answer the same, so that a stranger cannot tell them apart."""
    if found is None:
        raise Http404(f"No {what} found.")
    return found
