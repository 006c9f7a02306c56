"""Process settings, read from OCOP_* environment variables."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, PrivateAttr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from .messaging.kafka_access import KafkaAccess
from .provinces import Province, province
from .secrets import Secret

# Credentials a service reads (see Settings.credential): the file's name in secrets_dir, and the
# setting that gives it explicitly to a process running one service.
CREDENTIAL_SETTINGS = {"postgres-password": "database_password", "superuser": "postgres_password",
                       "s3-secret-key": "s3_secret_key", "kafka-password": "kafka_password",
                       "admin-password": "kafka_admin_password"}
KAFKA_ADMIN = "admin"  # the cluster's super user (provisioning only)


class Mode(StrEnum):
    EMBEDDED = "embedded"
    KAFKA = "kafka"


class Environment(StrEnum):
    DEVELOPMENT = "development"  # the demo, tests, a developer's machine
    PRODUCTION = "production"  # refuses to start with development settings (see production.py)


LOCAL_KEYCLOAK_ISSUER = "http://127.0.0.1:8180/realms/ocop"  # the realm deploy/stack.sh imports
# One key per purpose, each rotatable on its own (see secrets.py); these defaults are for
# development only and production refuses them.
DEVELOPMENT_SECRETS = {
    "cursor_secret": "dev-only-till-cursor-secret-change-me",
    "download_secret": "dev-only-download-link-secret-change-me",
    "console_secret": "dev-only-console-secret-change-me",
}


class Settings(BaseSettings):
    """Everything a service process needs to know about its surroundings.

    Embedded mode (the default) needs nothing but a data directory; kafka mode
    points at the real stack started by `make up` (or docker compose).
    """

    model_config = SettingsConfigDict(env_prefix="OCOP_", extra="ignore")

    mode: Mode = Mode.EMBEDDED
    province_code: str = Field(
        default="91", min_length=2, max_length=2, description="The province running the platform, "
        "by its two-digit statistics office code since 1 July 2025 (the default is 91): its name on "
        "catalogs, reports, certificates and the console, its certificate numbers, its communes. "
        "`ocop provinces` lists the codes.")
    env: Environment | None = Field(
        default=None, description="development or production; unset: production in kafka mode, "
        "development in the embedded mode.")
    data_dir: Path = Path("data")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    public_base_url: str = ""
    api_url: str = Field(
        default="http://127.0.0.1:8000", description="`ocop run console` (distributed mode): where "
        "the platform's APIs answer (the gateway).")
    forwarded_allow_ips: str = Field(
        default="127.0.0.1", description="Proxies whose X-Forwarded-For names the client (the "
        "gateway's address; comma-separated).")

    secrets_dir: Path | None = Field(
        default=None, description="A folder of credentials by service (<service>/postgres-password, "
        "<service>/kafka-password, <service>/s3-secret-key, postgres/superuser, kafka/ca.pem ...), "
        "as deploy/stack.sh writes them; OCOP_DATABASE_PASSWORD(_FILE) and the like override them "
        "for a process that runs one service.")

    database_url: str | None = Field(
        default=None, description="Overrides the per-service default database URL."
    )
    database_user: str | None = Field(
        default=None, description="Kafka mode: the login role of this process's service (default: "
        "the service's name: registry, scoring, ...).")
    database_password: str = ""
    database_password_file: Path | None = Field(
        default=None, description="The service role's password, read again on every new "
        "connection (a rotated password is used without a restart).")
    postgres_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5432", description="The PostgreSQL server; "
        "its user is the administrator that deploy tooling and tests create databases with "
        "(services log in as their own role).")
    postgres_password: str = ""
    postgres_password_file: Path | None = None
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
    kafka_username: str = Field(
        default="", description="This process's SCRAM user (default: the service's name).")
    kafka_password: str = ""
    kafka_password_file: Path | None = Field(
        default=None, description="Its password (or <secrets_dir>/<service>/kafka-password), read "
        "again on every new connection. With a password the process speaks SASL_SSL "
        "(SCRAM-SHA-512) and trusts OCOP_KAFKA_CA_FILE.")
    kafka_ca_file: Path | None = Field(
        default=None, description="The CA certificate of the brokers' TLS (default: "
        "<secrets_dir>/kafka/ca.pem).")
    kafka_admin_password: str = ""
    kafka_admin_password_file: Path | None = Field(
        default=None, description="Provisioning only (ocop kafka provision, subscribers): the "
        "cluster administrator's password (or <secrets_dir>/kafka/admin-password).")

    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = Field(
        default="", description="This process's S3 access key (default: the service's name, the "
        "account deploy/stack.sh makes for each service that stores files).")
    s3_secret_key: str = ""
    s3_secret_key_file: Path | None = Field(
        default=None, description="Its secret (or <secrets_dir>/<service>/s3-secret-key), read "
        "again on change.")
    s3_bucket: str = Field(
        default="ocop", description="Each service keeps its files in its own bucket, "
        "<s3_bucket>-<service>, which only its account may read or write.")
    s3_secure: bool = False
    s3_region: str = "us-east-1"

    max_upload_bytes: int = 64 * 1024 * 1024
    max_json_bytes: int = Field(
        default=1024 * 1024, description="The largest JSON (or form) request body; files have "
        "max_upload_bytes. Larger bodies are refused with 413 before they are read.")
    cursor_secret: str = Field(
        default=DEVELOPMENT_SECRETS["cursor_secret"], description="HMAC key of the tills' sync "
        "cursors (or OCOP_CURSOR_SECRET_FILE: one key a line, newest first, each accepted).")
    cursor_secret_file: Path | None = None
    download_secret: str = Field(
        default=DEVELOPMENT_SECRETS["download_secret"], description="HMAC key of the embedded "
        "mode's download links (or OCOP_DOWNLOAD_SECRET_FILE).")
    download_secret_file: Path | None = None

    oidc_issuer: str = Field(
        default="", description="The OpenID Connect provider people sign in with (e.g. "
        "https://sso.example.vn/realms/ocop). Unset: the embedded mode issues tokens from its own "
        "account store, kafka mode uses the local stack's Keycloak.")
    oidc_audience: str = Field(default="ocop-api", description="The `aud` every access token must carry.")
    oidc_jwks_url: str | None = Field(
        default=None, description="Where the provider publishes its keys (default: from its "
        "discovery document).")
    oidc_console_client_id: str = "ocop-console"
    oidc_console_client_secret: str = Field(default="", description="The console's OIDC client secret.")
    oidc_internal_url: str | None = Field(
        default=None, description="Where the platform's own processes reach the provider, when "
        "they cannot at the issuer's address (docker compose: http://keycloak:8080/realms/ocop); "
        "tokens must still name OCOP_OIDC_ISSUER, which browsers use.")
    access_token_minutes: int = Field(default=10, ge=1, le=60)
    session_hours: float = Field(default=8.0, gt=0, description="A sign-in lasts this long without "
                                 "use (the embedded account store's refresh tokens).")
    login_max_failures: int = Field(default=5, ge=1, description="Failed sign-ins of one login "
                                    "before it is locked for OCOP_LOGIN_LOCK_MINUTES.")
    login_lock_minutes: int = Field(default=15, ge=1)
    login_max_failures_per_address: int = Field(default=30, ge=1, description="Failed sign-ins "
                                                "from one client address before it is throttled.")
    signing_key_days: int = Field(default=30, ge=1, description="The embedded issuer signs with a "
                                  "new key after this many days.")
    password_hash_memory_kib: int = Field(default=65536, ge=8,
                                          description="argon2id memory cost (production: >= 19456).")
    smtp_host: str = Field(default="", description="Mail server for verification codes (unset in "
                           "development: codes go to the demo mailbox the console shows).")
    smtp_port: int = 587
    smtp_sender: str = "ocop@localhost"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    demo_sign_in: bool = Field(default=False, description="The console offers one-click sign-in "
                               "as the demo's people (development only; `ocop demo` turns it on).")
    console_secret: str = Field(default=DEVELOPMENT_SECRETS["console_secret"],
                                description="Signs the console's CSRF tokens and sign-in state "
                                "(or OCOP_CONSOLE_SECRET_FILE).")
    console_secret_file: Path | None = None

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

    @field_validator("province_code")
    @classmethod
    def _known_province(cls, code: str) -> str:
        province(code)  # UnknownProvince (a ValueError) names the codes there are
        return code

    @property
    def province(self) -> Province:
        return province(self.province_code)

    @property
    def province_name(self) -> str:
        """"An Giang": as written after "tỉnh" / "thành phố" (catalog, reports, certificates)."""
        return self.province.name

    def database_url_for(self, service: str) -> str:
        if self.database_url:
            return self.database_url
        if self.mode is Mode.KAFKA:  # the service's own role on its own database
            url = make_url(self.postgres_url.rstrip("/")).set(
                username=self.database_user or service, password=None,
                database=f"{self.database_prefix}_{service}")
            return url.render_as_string(hide_password=False)
        return f"sqlite+aiosqlite:///{self.data_dir / f'{service}.sqlite3'}"

    _secrets: dict[tuple[str, str, Path | None], Secret] = PrivateAttr(default_factory=dict)

    def secret(self, name: str) -> Secret:
        """`name`'s secret: from OCOP_<NAME>_FILE when set (read again when it changes), else
        from OCOP_<NAME>."""
        value, file = getattr(self, name), getattr(self, f"{name}_file", None)
        key = (name, value, file)
        found = self._secrets.get(key)
        if found is None:
            found = self._secrets[key] = Secret(f"OCOP_{name.upper()}", value, file)
        return found

    def credential(self, service: str, kind: str) -> Secret | None:
        """A service's credential (`kind`: postgres-password, kafka-password, s3-secret-key):
        this process's OCOP_<NAME>(_FILE) when set, else <secrets_dir>/<service>/<kind>."""
        explicit = self.secret(CREDENTIAL_SETTINGS[kind])
        if explicit.configured:
            return explicit
        if self.secrets_dir is None or not (self.secrets_dir / service / kind).exists():
            return None
        key = (f"{service}/{kind}", "", self.secrets_dir / service / kind)
        found = self._secrets.get(key)
        if found is None:
            found = self._secrets[key] = Secret(f"{service} {kind}", None, key[2])
        return found

    def database_password_for(self, service: str) -> Secret | None:
        return self.credential(service, "postgres-password")

    def s3_credentials(self, service: str) -> tuple[str, Secret] | None:
        """The service's S3 account: its access key and its secret, if it has one."""
        secret = self.credential(service, "s3-secret-key")
        return (self.s3_access_key or service, secret) if secret is not None else None

    def kafka_access(self, service: str | None) -> KafkaAccess:
        """How `service` reaches Kafka (its own SCRAM user when it has a password); None: the
        administrator, for provisioning and test tooling."""
        if service is None:
            username, password = KAFKA_ADMIN, self.credential("kafka", "admin-password")
        else:
            username, password = self.kafka_username or service, self.credential(service, "kafka-password")
        ca = self.kafka_ca_file
        if ca is None and self.secrets_dir is not None and (self.secrets_dir / "kafka" / "ca.pem").exists():
            ca = self.secrets_dir / "kafka" / "ca.pem"
        if password is None:
            return KafkaAccess(self.kafka_bootstrap)
        return KafkaAccess(self.kafka_bootstrap, username, password, ca)

    def s3_bucket_for(self, service: str) -> str:
        return f"{self.s3_bucket}-{service}"

    def postgres_admin_password(self) -> Secret | None:
        """The administrator's password (OCOP_POSTGRES_PASSWORD(_FILE) or the stack's file)."""
        return self.credential("postgres", "superuser")

    def base_url(self) -> str:
        return self.public_base_url or f"http://{self.http_host}:{self.http_port}"

    @property
    def environment(self) -> Environment:
        if self.env is not None:
            return self.env
        return Environment.PRODUCTION if self.mode is Mode.KAFKA else Environment.DEVELOPMENT

    @property
    def embedded_identity(self) -> bool:
        """The platform signs people in itself (its account store), not an OIDC provider."""
        return self.mode is Mode.EMBEDDED and not self.oidc_issuer

    def token_issuer(self) -> str:
        if self.embedded_identity:
            return f"{self.base_url()}/auth"
        return self.provider_issuer()

    def provider_issuer(self) -> str:
        """The OIDC provider's issuer (the distributed mode's; by default the local stack's)."""
        return self.oidc_issuer or LOCAL_KEYCLOAK_ISSUER


def default_province() -> Province:
    """The province of OCOP_PROVINCE_CODE's default."""
    return province(str(Settings.model_fields["province_code"].default))
