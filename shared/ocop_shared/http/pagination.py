"""Pagination for every list endpoint: ?limit=&offset= in, {items,total,limit,offset} out."""

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=200, description="Page size (1–200)")]
Offset = Annotated[int, Query(ge=0, description="Items to skip")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
