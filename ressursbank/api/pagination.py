"""Pagination, sorting and filtering of list resources, one way for every list.

Lists are ``?limit=&offset=&sort=`` (``sort=name`` ascending, ``sort=-name`` descending); the answer is a
:class:`Page` with ``items``, ``total``, ``limit`` and ``offset``. Sorting on a field that the resource does not
offer is a 422 problem naming the fields that are allowed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from ressursbank.api.problems import ProblemError

T = TypeVar("T")
ItemT = TypeVar("ItemT")

MAX_LIMIT = 500


class Page(BaseModel, Generic[ItemT]):
    """One page of a list."""

    items: list[ItemT]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class PageParams:
    """The paging and sorting a client asked for."""

    limit: int
    offset: int
    sort: str | None


def _page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1-500).")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")] = 0,
    sort: Annotated[
        str | None,
        Query(
            max_length=40,
            pattern=r"^-?[a-z_]+$",
            description="Field to sort by; prefix with '-' for descending.",
            examples=["name", "-name"],
        ),
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, offset=offset, sort=sort)


PageQuery = Annotated[PageParams, Depends(_page_params)]


def sort_all(
    items: Sequence[T],
    params: PageParams,
    *,
    sort_keys: dict[str, Callable[[T], Any]],
    default: str,
) -> tuple[T, ...]:
    """Every item sorted by ``params.sort`` (or ``default``); 422 problem for a field not in ``sort_keys``."""
    sort = params.sort or default
    field = sort.lstrip("-")
    if field not in sort_keys:
        allowed = ", ".join(sorted(sort_keys))
        raise ProblemError(422, f"cannot sort by {field!r}; allowed: {allowed}", title="Invalid request")
    return tuple(sorted(items, key=sort_keys[field], reverse=sort.startswith("-")))


def cut(ordered: Sequence[T], params: PageParams) -> tuple[list[T], int]:
    """The requested page of an already sorted sequence; returns (page, total)."""
    return list(ordered[params.offset : params.offset + params.limit]), len(ordered)


def sort_and_page(
    items: Sequence[T],
    params: PageParams,
    *,
    sort_keys: dict[str, Callable[[T], Any]],
    default: str,
) -> tuple[list[T], int]:
    """Sort ``items`` by ``params.sort`` (or ``default``) and cut out the requested page; returns (page, total)."""
    return cut(sort_all(items, params, sort_keys=sort_keys, default=default), params)


def page_of(items: list[ItemT], total: int, params: PageParams) -> Page[ItemT]:
    """Wrap a cut page for the wire."""
    return Page[Any](items=items, total=total, limit=params.limit, offset=params.offset)
