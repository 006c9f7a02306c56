"""`ocop kafka provision` and `ocop subscribers add|list|revoke`: the Kafka cluster's users,
topics and ACLs, as its administrator (see kafka_admin.py)."""

from __future__ import annotations

from typing import Annotated

import typer
from confluent_kafka import KafkaException
from rich.console import Console
from rich.table import Table

from ocop_shared.settings import Settings

console = Console()
kafka_app = typer.Typer(help="The Kafka cluster: topics, each service's user and ACLs", no_args_is_help=True)
subscribers_app = typer.Typer(help="Systems outside the platform that read (or write) topics",
                              no_args_is_help=True)


def _fail(error: Exception) -> typer.Exit:
    console.print(f"[red]{error}[/]", soft_wrap=True)
    return typer.Exit(1)


@kafka_app.command("provision")
def provision_cmd(
    namespace: Annotated[str | None, typer.Option(help="Topic namespace (default: OCOP_KAFKA_NAMESPACE)")] = None,
) -> None:
    """Create every topic, each service's SCRAM user (password from its secret) and its ACLs."""
    from .kafka_admin import ProvisioningError, provision

    settings = Settings()
    try:
        needs = provision(settings, namespace)
    except ProvisioningError as error:
        raise _fail(error) from error
    table = Table(title="Kafka: mỗi phân hệ một người dùng / one user per service")
    for column in ("service", "reads", "writes"):
        table.add_column(column)
    for service, need in needs.items():
        table.add_row(service, "\n".join(sorted(need.reads)), "\n".join(sorted(need.writes)))
    console.print(table)


@kafka_app.command("health")
def health_cmd(
    prefix: Annotated[str, typer.Option(help="Only topics starting with this (default: every topic)")] = "",
) -> None:
    """The brokers alive and every partition that is under-replicated or offline; exit status 1
    if there is one (after a broker came back, run it until it passes)."""
    from .kafka_admin import KafkaAdmin, ProvisioningError
    from .kafka_health import brokers, partition_states, unhealthy

    try:
        admin = KafkaAdmin(Settings())
        alive, states = brokers(admin), partition_states(admin, prefix)
    except (ProvisioningError, KafkaException) as error:
        raise _fail(error) from error
    bad = unhealthy(states)
    console.print(f"Broker đang chạy / brokers alive: {', '.join(map(str, alive))}; "
                  f"{len(states)} phân vùng / partitions, {len(bad)} thiếu bản sao / under-replicated or offline")
    if bad:
        table = Table(title="Phân vùng thiếu bản sao / partitions not fully replicated")
        for column in ("topic", "partition", "leader", "replicas", "in sync"):
            table.add_column(column)
        for s in bad:
            table.add_row(s.topic, str(s.partition), "offline" if s.offline else str(s.leader),
                          ",".join(map(str, s.replicas)), ",".join(map(str, s.in_sync)))
        console.print(table)
        raise typer.Exit(1)


def _groups(value: str) -> list[str]:
    return [g.strip() for g in value.split(",") if g.strip()]


@subscribers_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="e.g. health-department, pos-vinmart")],
    topics: Annotated[str, typer.Option(help="Topic groups to read, comma-separated: registry, scoring, "
                                              "certification, inspection, trade")],
    write: Annotated[str, typer.Option(help="Topic groups it may write (only: inspection)")] = "",
) -> None:
    """A subscriber's own user, allowed to read only the topic groups named; prints how it
    connects (the password is shown once, and kept nowhere)."""
    from .kafka_admin import ProvisioningError, add_subscriber, connection_settings

    settings = Settings()
    try:
        subscriber, password = add_subscriber(settings, name, _groups(topics), _groups(write))
    except ProvisioningError as error:
        raise _fail(error) from error
    console.print(f"[bold green]{subscriber.name}[/]: đọc / reads {', '.join(subscriber.reads)}"
                  + (f"; ghi / writes {', '.join(subscriber.writes)}" if subscriber.writes else ""))
    console.print("Cấu hình kết nối (mật khẩu chỉ hiện một lần) / connection settings "
                  "(the password is shown this once):")
    for key, value in connection_settings(settings, subscriber, password).items():
        typer.echo(f"{key}={value}")


@subscribers_app.command("list")
def list_cmd() -> None:
    """The subscribers and what each may read and write."""
    from .kafka_admin import ProvisioningError, list_subscribers

    try:
        found = list_subscribers(Settings())
    except ProvisioningError as error:
        raise _fail(error) from error
    table = Table(title="Hệ thống ngoài nền tảng / subscribers")
    for column in ("name", "user", "reads", "writes", "consumer groups"):
        table.add_column(column)
    for s in found:
        table.add_row(s.name, s.username, ", ".join(s.reads), ", ".join(s.writes) or "—", f"{s.group_prefix}*")
    console.print(table if found else "Chưa có / none yet")


@subscribers_app.command("revoke")
def revoke(name: Annotated[str, typer.Argument()]) -> None:
    """Remove a subscriber: its user and every permission of it."""
    from .kafka_admin import ProvisioningError, revoke_subscriber

    try:
        revoke_subscriber(Settings(), name)
    except ProvisioningError as error:
        raise _fail(error) from error
    console.print(f"{name}: đã thu hồi / revoked")
