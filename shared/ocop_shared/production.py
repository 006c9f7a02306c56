"""What production (OCOP_ENV=production, the default of the distributed mode) refuses to start
with: anything made for a developer's machine. Each refusal is one line naming the setting."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.engine import make_url

from .secrets import SecretMissing
from .settings import DEVELOPMENT_SECRETS, Environment, Mode, Settings

DEVELOPMENT_S3_KEY = "minioadmin"
OWASP_ARGON2_MEMORY_KIB = 19456  # OWASP's password storage minimum for argon2id


class RefusedInProduction(RuntimeError):
    """Production was asked to start with a development setting."""


def problems(settings: Settings, services: tuple[str, ...]) -> Iterator[str]:
    if settings.demo_sign_in:
        yield ("OCOP_DEMO_SIGN_IN is on: the demo's one-click sign-in exists only in development "
               "(turn it off)")
    purposes = ["cursor_secret", "download_secret"] + (["console_secret"] if "console" in services else [])
    keys: dict[str, str] = {}
    for purpose in purposes:
        problem = _weak(settings, purpose)
        if problem:
            yield problem
            continue
        first = settings.secret(purpose).current()
        if first in keys:  # one key per purpose: rotating one must not touch another
            yield (f"OCOP_{purpose.upper()} is the same key as OCOP_{keys[first].upper()}: give "
                   "each purpose its own")
        keys[first] = purpose
    base = settings.public_base_url
    if not base.startswith("https://"):
        yield (f"OCOP_PUBLIC_BASE_URL must be the platform's https address in production "
               f"(now: {base or 'unset'})")
    if settings.mode is Mode.KAFKA:
        for service in services:
            credentials = settings.s3_credentials(service)
            if credentials is not None and DEVELOPMENT_S3_KEY in (credentials[0], credentials[1].current()):
                yield "OCOP_S3_ACCESS_KEY / OCOP_S3_SECRET_KEY are the development defaults (minioadmin)"
                break
        for service in services:
            if (service != "console" and not make_url(settings.database_url_for(service)).password
                    and settings.database_password_for(service) is None):
                yield (f"{service} has no database password (OCOP_DATABASE_PASSWORD_FILE, "
                       "OCOP_SECRETS_DIR or the URL): production databases need one")
                break
    if settings.embedded_identity:
        if not settings.smtp_host:
            yield ("OCOP_SMTP_HOST is not set: sign-up and reset codes could not be sent (the demo "
                   "mailbox is development only)")
        if settings.password_hash_memory_kib < OWASP_ARGON2_MEMORY_KIB:
            yield (f"OCOP_PASSWORD_HASH_MEMORY_KIB is below {OWASP_ARGON2_MEMORY_KIB} (OWASP's "
                   "minimum for argon2id)")
    else:
        if not settings.provider_issuer().startswith("https://"):
            yield (f"OCOP_OIDC_ISSUER must be an https address in production "
                   f"(now: {settings.provider_issuer()})")
        if "console" in services and settings.oidc_console_client_secret.startswith("dev-only"):
            yield "OCOP_OIDC_CONSOLE_CLIENT_SECRET is the local realm's development secret"


def _weak(settings: Settings, purpose: str) -> str | None:
    name = f"OCOP_{purpose.upper()}"
    try:
        values = settings.secret(purpose).all()
    except SecretMissing as error:
        return f"{name}_FILE cannot be used: {error}"
    if any(v == DEVELOPMENT_SECRETS[purpose] or len(v) < 32 for v in values):
        return (f"{name} is the development default or shorter than 32 characters: set a secret "
                "of your own (e.g. `openssl rand -base64 48`), or its file with OCOP_"
                f"{purpose.upper()}_FILE")
    return None


def check(settings: Settings, services: tuple[str, ...]) -> None:
    """Raise with the first development setting found, when running in production."""
    if settings.environment is not Environment.PRODUCTION:
        return
    for problem in problems(settings, services):
        raise RefusedInProduction(f"refusing to start in production: {problem}")
