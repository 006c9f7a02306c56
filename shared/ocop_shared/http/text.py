"""Bounded strings for request bodies: every free-text field says how long it may be, in the
OpenAPI document and at the door (422 past it), so nothing stores or echoes a novel."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

RecordId = Annotated[str, Field(min_length=1, max_length=200)]
"""A record's id (uuid, round or council id)."""
Code = Annotated[str, Field(min_length=1, max_length=40)]
"""A criterion code, a regulation number, a department or council level."""
Line = Annotated[str, Field(max_length=300)]
"""One line: a name, a position, an address, a phone number."""
Paragraph = Annotated[str, Field(max_length=5000)]
"""A note, a description, a plan."""
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
"""A file's sha256 (hex, lower case)."""
