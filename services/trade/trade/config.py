"""Settings of the trade service alone (OCOP_TRADE_* environment variables): how its
webhooks are delivered (OCOP_TRADE_WEBHOOK_TIMEOUT_SECONDS, ..._MAX_ATTEMPTS, ...)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from ocop_shared.webhooks import WebhookSettings


class TradeSettings(WebhookSettings, BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OCOP_TRADE_", extra="ignore")
