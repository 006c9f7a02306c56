"""The audit trail: who changed what, recorded append-only with the change itself."""

from .context import Actor, acting_as, current_actor, set_actor
from .recorder import AuditRecorder, Change, add_audit_table

__all__ = ["Actor", "AuditRecorder", "Change", "acting_as", "add_audit_table", "current_actor", "set_actor"]
