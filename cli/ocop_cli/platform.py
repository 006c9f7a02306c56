"""Composition root: which services run, on which transport, storage and databases."""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from fastapi import FastAPI

from ocop_shared import production
from ocop_shared.auth.issuers import verifier_for
from ocop_shared.clock import Clock
from ocop_shared.http.app import build_app
from ocop_shared.messaging.transports import EmbeddedTransport, KafkaTransport, Transport
from ocop_shared.runtime import ServiceRuntime, ServiceSpec
from ocop_shared.settings import Mode, Settings
from ocop_shared.storage.filesystem import FilesystemObjectStore
from ocop_shared.storage.none import NoObjectStore
from ocop_shared.storage.port import ObjectStore
from ocop_shared.storage.s3 import S3ObjectStore

SERVICES = ("registry", "scoring", "certification", "trade", "reporting")


class MissingCredential(RuntimeError):
    """A service cannot start without a credential it needs."""
ACCOUNTS = "accounts"  # the embedded account store: only where no OIDC provider signs people in


def service_spec(name: str) -> ServiceSpec:
    """A service's spec, imported on demand: a process running one service does not load
    the others (PDF and spreadsheet libraries, their models) and stays smaller."""
    spec: ServiceSpec = importlib.import_module(f"{name}.service").SPEC
    return spec


def make_transport(settings: Settings, service: str | None = None) -> Transport:
    """Kafka mode: the service's own user (None: the administrator, for tooling); embedded: one
    log on disk shared by the services of the process."""
    if settings.mode is Mode.KAFKA:
        return KafkaTransport(settings.kafka_access(service), partitions=settings.kafka_partitions,
                              replication=settings.kafka_replication,
                              graceful_timeout=settings.shutdown_grace_seconds,
                              namespace=settings.kafka_namespace,
                              group_suffix=settings.kafka_group_suffix,
                              max_batch=settings.consumer_batch_size)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return EmbeddedTransport(settings.data_dir / "bus.sqlite3", max_batch=settings.consumer_batch_size)


def make_store(settings: Settings, spec: ServiceSpec) -> ObjectStore:
    """Kafka mode: the service's own bucket through its own S3 account (none for a service that
    keeps no files); embedded: one folder of files."""
    if settings.mode is Mode.KAFKA:
        credentials = settings.s3_credentials(spec.name)
        if not spec.stores_files:
            return NoObjectStore(spec.name)
        if credentials is None:
            raise MissingCredential(f"{spec.name} has no S3 account: set OCOP_S3_SECRET_KEY_FILE "
                                    f"(and OCOP_S3_ACCESS_KEY) or OCOP_SECRETS_DIR")
        access_key, secret = credentials
        return S3ObjectStore(settings.s3_endpoint, access_key, secret, settings.s3_bucket_for(spec.name),
                             secure=settings.s3_secure, region=settings.s3_region)
    return FilesystemObjectStore(settings.data_dir / "objects",
                                 download_base_url=f"{settings.base_url()}/files",
                                 download_secret=settings.secret("download_secret"))


def services_of(settings: Settings) -> tuple[str, ...]:
    """What the embedded platform runs: the services, and its account store when it signs
    people in itself."""
    return (ACCOUNTS, *SERVICES) if settings.embedded_identity else SERVICES


def make_runtimes(settings: Settings, names: Sequence[str] | None = None,
                  clock: Clock | None = None) -> list[ServiceRuntime]:
    known = services_of(settings)
    chosen = list(names) if names else list(known)
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise ValueError(f"unknown service(s): {', '.join(unknown)}; "
                         f"choose from {', '.join(known)}")
    if settings.embedded_identity:  # people sign in with the account store; the registry
        for needed in ("registry", ACCOUNTS):  # keeps the office's grants of who may do what
            if needed not in chosen:
                chosen.insert(0, needed)
    specs = [service_spec(name) for name in chosen]
    embedded = settings.mode is not Mode.KAFKA
    shared_transport = make_transport(settings) if embedded else None
    shared_store = make_store(settings, specs[0]) if embedded else None
    verifier = verifier_for(settings)
    return [ServiceRuntime(spec, settings, shared_transport or make_transport(settings, spec.name),
                           shared_store or make_store(settings, spec),
                           verifier=lambda: verifier, clock=clock)
            for spec in specs]


def make_app(settings: Settings, names: Sequence[str] | None = None,
             clock: Clock | None = None) -> tuple[FastAPI, list[ServiceRuntime]]:
    # development settings are refused before anything else is looked at (credentials, ...)
    production.check(settings, tuple(names or SERVICES) + (("console",) if not names else ()))
    runtimes = make_runtimes(settings, names, clock)
    title = ("OCOP platform" if len(runtimes) > 1
             else f"OCOP {runtimes[0].name} service")
    whole = {rt.name for rt in runtimes} >= set(SERVICES)
    app = build_app(runtimes, settings, title=title, console=whole)
    if whole:
        from ocop_console import mount_console  # only the whole platform serves the console

        mount_console(app, settings)  # the web console, calling these same APIs in-process
    return app, runtimes
