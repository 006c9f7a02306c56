"""How a service delivers its webhooks: polling, the per-attempt timeout, retries, batch size."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from .domain import RetryPolicy


@dataclass(frozen=True)
class WebhookConfig:
    poll_seconds: float = 1.0
    timeout_seconds: float = 5.0
    batch_size: int = 20
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    user_agent: str = "ocop-webhooks/1"


class WebhookSettings(BaseModel):
    """Mixed into a service's settings (``class S(WebhookSettings, BaseSettings)``), so each
    service reads them from its own environment prefix: OCOP_<SERVICE>_WEBHOOK_*."""

    webhook_poll_seconds: float = Field(default=1.0, gt=0, description="How often due webhook "
                                        "deliveries are looked for.")
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, description="Time allowed for one "
                                           "delivery attempt; a slower endpoint fails the attempt.")
    webhook_max_attempts: int = Field(default=6, ge=1, le=20, description="Attempts before a "
                                      "delivery is recorded as failed.")
    webhook_backoff_seconds: float = Field(default=30.0, gt=0, description="Delay before the "
                                           "first retry; doubles after each failed attempt.")
    webhook_backoff_max_seconds: float = Field(default=6 * 3600.0, gt=0)
    webhook_batch_size: int = Field(default=20, ge=1, le=500)

    def webhook_config(self, *, user_agent: str = "ocop-webhooks/1") -> WebhookConfig:
        return WebhookConfig(
            poll_seconds=self.webhook_poll_seconds, timeout_seconds=self.webhook_timeout_seconds,
            batch_size=self.webhook_batch_size,
            retry=RetryPolicy(max_attempts=self.webhook_max_attempts, base_seconds=self.webhook_backoff_seconds,
                              max_seconds=self.webhook_backoff_max_seconds),
            user_agent=user_agent)
