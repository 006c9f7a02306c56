"""Settings of the certification service alone (OCOP_CERTIFICATION_* environment variables).

The platform-wide settings (`ocop_shared.settings.Settings`) say where the service runs;
these say how it behaves: where its signing keys live, how often the scheduler looks for
due notices, and how webhooks are delivered.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ocop_shared.settings import Settings
from ocop_shared.webhooks import WebhookSettings


class CertificationSettings(WebhookSettings, BaseSettings):
    """Also the webhook settings (OCOP_CERTIFICATION_WEBHOOK_*: poll, timeout, attempts, backoff)."""

    model_config = SettingsConfigDict(env_prefix="OCOP_CERTIFICATION_", extra="ignore")

    keys_dir: Path | None = Field(
        default=None, description="Folder of the Ed25519 QR signing keys (shared by every replica); "
        "default <OCOP_DATA_DIR>/keys/certification.")
    scheduler_interval_seconds: float = Field(default=60.0, gt=0, description="How often the "
                                              "scheduler looks for due notices and expiries.")
    reminder_days: int = Field(default=14, ge=0, le=60, description="Days before the re-rating "
                               "window closes (120 days before expiry) that the reminder is sent.")
    pdf_link_seconds: int = Field(default=300, ge=10, le=3600, description="Lifetime of a "
                                  "certificate PDF download link.")

    def keys_folder(self, platform: Settings) -> Path:
        return self.keys_dir or platform.data_dir / "keys" / "certification"
