"""Reliable messaging: transactional outbox, relay, inbox, retry and dead letters."""
