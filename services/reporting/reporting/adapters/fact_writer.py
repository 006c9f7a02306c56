"""Facts written in bulk: the writes of one transaction (a consumer's batch of events) are
collected and sent just before it commits, one multi-row statement per table and kind of
write, instead of one round trip per event. This is what makes replaying a topic fast.

Sending them grouped gives the same rows as sending them one by one: within a table and kind,
a key written twice keeps its last values ("replace") or its first ("keep"); a "keep" never
overrides a "replace" of the same row, whichever goes first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from ocop_shared.db.engine import upsert_insert
from ocop_shared.db.uow import UnitOfWork

_KEY = "reporting.fact_writer"
Shape = tuple[Table, str, tuple[str, ...], tuple[str, ...]]  # table, kind, key columns, value columns


class FactWriter:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows: dict[Shape, dict[tuple[Any, ...], dict[str, Any]]] = {}  # shape -> key -> row

    @classmethod
    def of(cls, uow: UnitOfWork) -> FactWriter:
        """The writer of `uow`'s transaction, sent before it commits."""
        def new() -> FactWriter:
            writer = cls(uow.session)
            uow.before_commit(_KEY, writer.send)
            return writer

        return uow.per_transaction(cls, new)

    def replace(self, table: Table, keys: dict[str, Any], values: dict[str, Any]) -> None:
        """Insert the row, or overwrite its values when the key exists."""
        self._add(table, "replace", keys, values)

    def keep(self, table: Table, keys: dict[str, Any], values: dict[str, Any]) -> None:
        """Insert the row unless the key exists."""
        self._add(table, "keep", keys, values)

    def _add(self, table: Table, kind: str, keys: dict[str, Any], values: dict[str, Any]) -> None:
        rows = self._rows.setdefault((table, kind, tuple(keys), tuple(values)), {})
        key = tuple(keys.values())
        if kind == "replace" or key not in rows:
            rows.pop(key, None)  # re-inserted last: the newest write of a key wins
            rows[key] = {**keys, **values}

    async def send(self) -> None:
        session = self._session
        for (table, kind, keys, values), rows in self._rows.items():
            insert = upsert_insert(session, table)
            statement = (insert.on_conflict_do_update(index_elements=list(keys),
                                                      set_={name: insert.excluded[name] for name in values})
                         if kind == "replace" else insert.on_conflict_do_nothing(index_elements=list(keys)))
            await session.execute(statement, list(rows.values()))
        self._rows.clear()
