"""Process settings, read from OCOP_* environment variables."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Mode(StrEnum):
    EMBEDDED = "embedded"
    KAFKA = "kafka"


class Settings(BaseSettings):
    """Everything a service process needs to know about its surroundings.

    Embedded mode (the default) needs nothing but a data directory; kafka mode
    points at the real stack started by `make up` (or docker compose).
    """

    model_config = SettingsConfigDict(env_prefix="OCOP_", extra="ignore")

    mode: Mode = Mode.EMBEDDED
    data_dir: Path = Path("data")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    public_base_url: str = ""

    database_url: str | None = Field(
        default=None, description="Overrides the per-service default database URL."
    )
    postgres_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432"
    database_prefix: str = Field(
        default="ocop", description="Kafka mode: each service's database is <prefix>_<service>.")

    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_partitions: int = 3
    kafka_replication: int = 1
    kafka_group_suffix: str = Field(
        default="", description="Appended to consumer group ids: a fresh suffix re-reads every "
        "topic from the start (rebuilding a projection into an empty database)."
    )
    kafka_namespace: str = Field(
        default="", description="Prefix for every topic and consumer group (isolates tenants "
        "or test runs sharing one cluster)."
    )

    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = "minioadmin"
    s3_secret_key: str = "minioadmin"
    s3_bucket: str = "ocop"
    s3_secure: bool = False
    s3_region: str = "us-east-1"

    max_upload_bytes: int = 64 * 1024 * 1024
    jwt_secret: str = "dev-only-secret-change-me-in-production"
    dev_tokens: bool = True

    consumer_max_attempts: int = 5
    consumer_backoff_seconds: float = 0.05
    consumer_batch_size: int = Field(
        default=100, ge=1, description="Messages applied in one database transaction (1: one by one).")
    relay_poll_seconds: float = 0.2
    relay_batch_size: int = 200
    shutdown_grace_seconds: float = 10.0
    startup_wait_seconds: float = Field(
        default=300.0, ge=0, description="How long start-up waits for the database and the broker.")

    read_cache_seconds: float = Field(
        default=1.0, ge=0, description="How long a service keeps a serialised answer of a hot "
        "public read (certificate verification, till snapshots; 0: not at all). A commit in the "
        "same process drops it at once; this bounds how stale a change committed by another "
        "replica of the service can look here.")

    metrics_interval_seconds: float = 15.0
    otlp_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces")

    log_level: str = "INFO"
    log_json: bool = True

    def database_url_for(self, service: str) -> str:
        if self.database_url:
            return self.database_url
        if self.mode is Mode.KAFKA:
            return f"{self.postgres_url.rstrip('/')}/{self.database_prefix}_{service}"
        return f"sqlite+aiosqlite:///{self.data_dir / f'{service}.sqlite3'}"

    def base_url(self) -> str:
        return self.public_base_url or f"http://{self.http_host}:{self.http_port}"
