"""The reporting domain: facts from events, report periods, plan targets, the report."""
