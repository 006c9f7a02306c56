"""Pagination for every list endpoint: ?limit=&offset= in, {items,total,limit,offset} out."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar, cast

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=200, description="Page size (1–200)")]
MAX_OFFSET = 2**31 - 1  # far beyond any list here, and within every database's integer
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, item: type[BaseModel]) -> type[Page[Any]]:
        """The page of `item`, for an item model made at run time (mypy cannot subscript one)."""
        return cast("type[Page[Any]]", cls.__class_getitem__(item))
