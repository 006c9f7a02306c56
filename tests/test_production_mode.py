"""Production (OCOP_ENV=production, the default of `ocop run --mode kafka`) refuses to start
with a development setting, in one line naming it; the development sign-in is not there."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers import ROOT
from ocop_cli.platform import make_app
from ocop_shared.production import RefusedInProduction, check
from ocop_shared.settings import Environment, Mode, Settings

SECRET = "p" * 48
KEYS: dict[str, Any] = dict(cursor_secret="c" * 48, download_secret="d" * 48, console_secret="k" * 48)
EMBEDDED_OK: dict[str, Any] = dict(env=Environment.PRODUCTION, public_base_url="https://ocop.angiang.gov.vn",
                                   smtp_host="smtp.angiang.gov.vn", password_hash_memory_kib=19456, **KEYS)
KAFKA_OK: dict[str, Any] = dict(env=Environment.PRODUCTION, mode=Mode.KAFKA,
                                public_base_url="https://ocop.angiang.gov.vn", **KEYS,
                                s3_access_key="ocop-registry", s3_secret_key=SECRET,
                                postgres_url="postgresql+asyncpg://postgres@db:5432",
                                database_password="s3cret-of-the-registry-role", secrets_dir=None,
                                oidc_issuer="https://sso.angiang.gov.vn/realms/ocop",
                                oidc_console_client_secret=SECRET)


@pytest.mark.parametrize(("changes", "named"), [
    ({"cursor_secret": "dev-only-till-cursor-secret-change-me"}, "OCOP_CURSOR_SECRET"),
    ({"download_secret": "short"}, "OCOP_DOWNLOAD_SECRET"),
    ({"console_secret": "c" * 48}, "the same key as OCOP_CURSOR_SECRET"),
    ({"cursor_secret_file": Path("/nonexistent/cursor-key")}, "OCOP_CURSOR_SECRET_FILE"),
    ({"public_base_url": "http://ocop.angiang.gov.vn"}, "OCOP_PUBLIC_BASE_URL"),
    ({"demo_sign_in": True}, "OCOP_DEMO_SIGN_IN"),
    ({"smtp_host": ""}, "OCOP_SMTP_HOST"),
    ({"password_hash_memory_kib": 4096}, "OCOP_PASSWORD_HASH_MEMORY_KIB"),
])
def test_the_embedded_mode_refuses_each_development_setting(tmp_path: Path, changes: dict[str, Any],
                                                            named: str) -> None:
    check(Settings(data_dir=tmp_path, **EMBEDDED_OK), ("registry",))  # all set: it starts
    with pytest.raises(RefusedInProduction) as refused:
        check(Settings(data_dir=tmp_path, **{**EMBEDDED_OK, **changes}), ("registry", "console"))
    assert named in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize(("changes", "named"), [
    ({"s3_secret_key": "minioadmin"}, "OCOP_S3_"),
    ({"database_password": ""}, "has no database password"),
    ({"oidc_issuer": "http://keycloak:8080/realms/ocop"}, "OCOP_OIDC_ISSUER"),
    ({"oidc_console_client_secret": "dev-only-console-client-secret"}, "OCOP_OIDC_CONSOLE_CLIENT_SECRET"),
    ({"console_secret": "dev-only-console-secret-change-me"}, "OCOP_CONSOLE_SECRET"),
])
def test_the_distributed_mode_refuses_each_development_setting(changes: dict[str, Any], named: str) -> None:
    check(Settings(**KAFKA_OK), ("registry", "console"))
    with pytest.raises(RefusedInProduction) as refused:
        check(Settings(**{**KAFKA_OK, **changes}), ("registry", "console"))
    assert named in str(refused.value)


def test_development_accepts_what_production_refuses(tmp_path: Path) -> None:
    check(Settings(data_dir=tmp_path, demo_sign_in=True), ("registry", "console"))


async def test_ocop_run_in_kafka_mode_refuses_the_defaults_with_one_line(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ocop_cli.main", "run", "--mode", "kafka", "registry", cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={"OCOP_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "COLUMNS": "200"})
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    text = output.decode()
    assert process.returncode == 2, text
    assert "refusing to start in production" in text and "OCOP_" in text
    assert "Traceback" not in text


def test_production_serves_no_development_sign_in(tmp_path: Path) -> None:
    app, _ = make_app(Settings(data_dir=tmp_path, **EMBEDDED_OK))
    paths = set(app.openapi()["paths"])
    assert "/auth/token" in paths
    assert not {p for p in paths if p.startswith("/auth/demo") or p == "/auth/dev-token"}
    development, _ = make_app(Settings(data_dir=tmp_path / "dev", demo_sign_in=True))
    assert {"/auth/demo/sign-in", "/auth/demo/mailbox"} <= set(development.openapi()["paths"])
