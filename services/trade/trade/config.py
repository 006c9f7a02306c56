"""Settings of the trade service alone (OCOP_TRADE_* environment variables): how its
webhooks are delivered (OCOP_TRADE_WEBHOOK_TIMEOUT_SECONDS, ..._MAX_ATTEMPTS, ...) and how
often it re-reads the catalogs' versions for waiting tills (OCOP_TRADE_CATALOG_RECHECK_SECONDS)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ocop_shared.webhooks import WebhookSettings


class TradeSettings(WebhookSettings, BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OCOP_TRADE_", extra="ignore")

    catalog_recheck_seconds: float = Field(
        default=2.0, gt=0, le=3600,
        description="How often a trade process reads the catalogs' versions even when no commit or "
                    "NOTIFY said they moved (a bound on how late a waiting till hears of a change "
                    "whose notification was lost).")
