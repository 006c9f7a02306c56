"""Who may do what on the Kafka cluster, done by its administrator (confluent-kafka's admin
client: SCRAM users and ACLs, which aiokafka's admin client lacks).

- Each service has its own SCRAM-SHA-512 user: it may write only the topics it publishes (its
  streams, the audit trail, its dead letters), read only the ones it consumes, and join only
  consumer groups named after it. What it publishes and consumes is read from the service
  itself (its handlers and `produces`), so the ACLs cannot drift from the code.
- Every topic is created here, with its partitions; services do not create topics.
- Subscribers (a department's system, a POS integrator) get a user of their own that may read
  the topic groups named for them, and write the inspection findings when allowed.
Everything is per namespace (OCOP_KAFKA_NAMESPACE), so test runs on one cluster stay apart.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    NewTopic,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialUpsertion,
)
from confluent_kafka.error import KafkaException

from ocop_shared.contracts import topics
from ocop_shared.settings import Settings

from .platform import SERVICES

# The topic groups a subscriber may be given: <group> means every topic ocop.<group>.*
TOPIC_GROUPS = ("registry", "scoring", "certification", "inspection", "trade")
WRITABLE_GROUPS = ("inspection",)  # departments report findings; nothing else is written from outside
SUBSCRIBER_PREFIX = "sub."
ITERATIONS = 8192  # SCRAM-SHA-512 (Kafka's minimum is 4096)
TIMEOUT = 30.0


class ProvisioningError(RuntimeError):
    """The cluster refused or could not do what the administrator asked."""


@dataclass(frozen=True)
class Needs:
    reads: frozenset[str]
    writes: frozenset[str]


def service_needs(names: Sequence[str] = SERVICES) -> dict[str, Needs]:
    """What each service reads and writes, asked of the service's own wiring."""
    from ocop_shared.runtime import ServiceRuntime
    from ocop_shared.storage.none import NoObjectStore

    from .platform import service_spec

    settings = Settings()
    found = {}
    for name in names:
        runtime = ServiceRuntime(service_spec(name), settings, transport=None,  # type: ignore[arg-type]
                                 store=NoObjectStore(name), verifier=lambda: None)  # type: ignore[arg-type]
        found[name] = Needs(frozenset(runtime.topics_read()), frozenset(runtime.topics_written()))
    return found


def _allow(kind: ResourceType, name: str, pattern: ResourcePatternType, principal: str,
           operation: AclOperation) -> AclBinding:
    return AclBinding(kind, name, pattern, principal, "*", operation, AclPermissionType.ALLOW)


def service_bindings(namespace: str, service: str, needs: Needs, user: str | None = None) -> list[AclBinding]:
    """The service's ACLs, for its own user (or `user`, e.g. a replacement during a migration)."""
    principal = f"User:{user or service}"
    literal = ResourcePatternType.LITERAL
    return sorted([
        *(_allow(ResourceType.TOPIC, namespace + t, literal, principal, AclOperation.READ) for t in needs.reads),
        *(_allow(ResourceType.TOPIC, namespace + t, literal, principal, AclOperation.WRITE) for t in needs.writes),
        _allow(ResourceType.GROUP, namespace + service, ResourcePatternType.PREFIXED, principal, AclOperation.READ),
    ], key=str)


def subscriber_principal(name: str) -> str:
    return f"User:{SUBSCRIBER_PREFIX}{name}"


def subscriber_bindings(namespace: str, name: str, reads: Iterable[str], writes: Iterable[str]) -> list[AclBinding]:
    principal = subscriber_principal(name)
    prefixed = ResourcePatternType.PREFIXED
    return sorted([
        *(_allow(ResourceType.TOPIC, f"{namespace}ocop.{g}.", prefixed, principal, AclOperation.READ) for g in reads),
        *(_allow(ResourceType.TOPIC, f"{namespace}ocop.{g}.", prefixed, principal, AclOperation.WRITE) for g in writes),
        _allow(ResourceType.GROUP, f"{namespace}{SUBSCRIBER_PREFIX}{name}", prefixed, principal, AclOperation.READ),
    ], key=str)


def _any_acl(principal: str | None) -> AclBindingFilter:
    """Every ACL (of `principal`, when given). librdkafka takes None as "any" name, principal and
    host; confluent-kafka's annotations say str."""
    anything: Any = None
    return AclBindingFilter(ResourceType.ANY, anything, ResourcePatternType.ANY, principal or anything,
                            anything, AclOperation.ANY, AclPermissionType.ANY)


def _wait(futures: dict[Any, Any], ignore: Iterable[str] = ()) -> None:
    for subject, future in futures.items():
        try:
            future.result(timeout=TIMEOUT)
        except KafkaException as error:
            code = error.args[0].name() if error.args else ""
            if code not in ignore:
                raise ProvisioningError(f"{subject}: {error}") from error


class KafkaAdmin:
    def __init__(self, settings: Settings) -> None:
        access = settings.kafka_access(None)
        if not access.secured:
            raise ProvisioningError("no administrator credentials: set OCOP_KAFKA_ADMIN_PASSWORD_FILE "
                                    "or OCOP_SECRETS_DIR (deploy/stack.sh writes kafka/admin-password)")
        self.settings = settings
        self.client = AdminClient({**access.confluent(), "socket.timeout.ms": 10000})

    def create_topics(self, names: Iterable[str]) -> None:
        new = [NewTopic(n, num_partitions=self.settings.kafka_partitions,
                        replication_factor=self.settings.kafka_replication) for n in dict.fromkeys(names)]
        if new:
            _wait(self.client.create_topics(new, request_timeout=TIMEOUT), ignore=("TOPIC_ALREADY_EXISTS",))

    def upsert_user(self, name: str, password: str) -> None:
        info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS)
        _wait(self.client.alter_user_scram_credentials(
            [UserScramCredentialUpsertion(name, info, password.encode())]))
        self._until(lambda: name in self.users(), f"the user {name}")

    def _until(self, visible: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not visible():
            if time.monotonic() > deadline:
                raise ProvisioningError(f"the broker did not apply {what} within {TIMEOUT:.0f} s")
            time.sleep(0.1)

    def retire_user(self, name: str) -> None:
        """Lock a user out for good: its credential is replaced by one made from a random password
        that is kept nowhere. Deleting SCRAM credentials is avoided on purpose: Kafka 4.0–4.4's
        `ScramDelta.apply` drops the whole mechanism's user map when a deletion is applied to an
        empty map, which happens when a broker restarts and replays, from an image without
        users, a log holding a deletion that hashes first; the broker then refuses every SCRAM
        login, the administrator's included (docs/operations.md, "Kafka users are retired")."""
        self.upsert_user(name, secrets.token_urlsafe(48))

    def users(self) -> list[str]:
        try:
            described = self.client.describe_user_scram_credentials()  # all users: one future
            assert isinstance(described, Future)
            return sorted(described.result(timeout=TIMEOUT))
        except KafkaException as error:
            raise ProvisioningError(f"cannot list the users: {error}") from error

    def grant(self, bindings: Sequence[AclBinding]) -> None:
        """Create the ACLs and return once the broker enforces them: the controller commits
        them first and the broker applies its metadata a moment later."""
        if not bindings:
            return
        _wait(self.client.create_acls(list(bindings), request_timeout=TIMEOUT))
        wanted = {str(b) for b in bindings}
        principals = {b.principal for b in bindings}

        def applied() -> bool:
            return wanted <= {str(found) for principal in principals for found in self.acls_of(principal)}

        self._until(applied, "the new ACLs")

    def revoke(self, filters: Sequence[AclBindingFilter]) -> None:
        if filters:
            _wait(self.client.delete_acls(list(filters), request_timeout=TIMEOUT))

    def acls_of(self, principal: str | None = None) -> list[AclBinding]:
        found = self.client.describe_acls(_any_acl(principal), request_timeout=TIMEOUT).result(timeout=TIMEOUT)
        return list(found)


def _filter(binding: AclBinding) -> AclBindingFilter:
    return AclBindingFilter(binding.restype, binding.name, binding.resource_pattern_type, binding.principal,
                            binding.host, binding.operation, binding.permission_type)


def provision(settings: Settings, namespace: str | None = None, *, users: bool = True) -> dict[str, Needs]:
    """The namespace's topics, each service's user (its password from its secret) and ACLs."""
    namespace = settings.kafka_namespace if namespace is None else namespace
    admin = KafkaAdmin(settings)
    needs = service_needs()
    # every stream, and whatever a service reads or writes besides (each consumer group's dead letters)
    admin.create_topics(namespace + t for t in sorted(
        set(topics.ALL).union(*(need.reads | need.writes for need in needs.values()))))
    for service, need in needs.items():
        if users:
            password = settings.credential(service, "kafka-password")
            if password is None:
                raise ProvisioningError(f"{service} has no Kafka password (<secrets_dir>/{service}/kafka-password)")
            admin.upsert_user(service, password.current())
        admin.grant(service_bindings(namespace, service, need))
    return needs


def unprovision(settings: Settings, namespace: str) -> None:
    """The namespace's service ACLs (a finished test run's); users and other namespaces stay."""
    if not namespace:
        raise ValueError("a namespace is required: the deployment's own ACLs are not removed this way")
    admin = KafkaAdmin(settings)
    admin.revoke([_filter(b) for service, need in service_needs().items()
                  for b in service_bindings(namespace, service, need)])


@dataclass(frozen=True)
class Subscriber:
    name: str
    username: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    group_prefix: str


def add_subscriber(settings: Settings, name: str, reads: Sequence[str],
                   writes: Sequence[str]) -> tuple[Subscriber, str]:
    """A subscriber's user and ACLs; returns it and its password (shown once, kept nowhere)."""
    unknown = sorted((set(reads) | set(writes)) - set(TOPIC_GROUPS))
    if unknown:
        raise ProvisioningError(f"unknown topic group(s) {', '.join(unknown)}; choose from {', '.join(TOPIC_GROUPS)}")
    not_writable = sorted(set(writes) - set(WRITABLE_GROUPS))
    if not_writable:
        raise ProvisioningError(f"subscribers may write only {', '.join(WRITABLE_GROUPS)}, "
                                f"not {', '.join(not_writable)}")
    if not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ProvisioningError("a subscriber's name is letters, digits, - and _ (e.g. health-department)")
    admin = KafkaAdmin(settings)
    username = SUBSCRIBER_PREFIX + name
    if name in {s.name for s in list_subscribers(settings)}:
        raise ProvisioningError(f"{name} exists already: revoke it first, or choose another name")
    password = secrets.token_urlsafe(32)
    admin.upsert_user(username, password)
    namespace = settings.kafka_namespace
    admin.grant(subscriber_bindings(namespace, name, reads, writes))
    return Subscriber(name, username, tuple(sorted(set(reads) | set(writes))), tuple(sorted(writes)),
                      f"{namespace}{SUBSCRIBER_PREFIX}{name}"), password


def list_subscribers(settings: Settings) -> list[Subscriber]:
    admin = KafkaAdmin(settings)
    namespace = settings.kafka_namespace
    by_name: dict[str, tuple[set[str], set[str], str]] = {}
    users = set(admin.users())
    for binding in admin.acls_of():
        principal = binding.principal.removeprefix("User:")
        if not principal.startswith(SUBSCRIBER_PREFIX) or principal not in users:
            continue
        by_name.setdefault(principal.removeprefix(SUBSCRIBER_PREFIX), (set(), set(), ""))
        reads, writes, group = by_name[principal.removeprefix(SUBSCRIBER_PREFIX)]
        if binding.restype == ResourceType.TOPIC and binding.name.startswith(f"{namespace}ocop."):
            topic_group = binding.name.removeprefix(f"{namespace}ocop.").rstrip(".")
            (writes if binding.operation == AclOperation.WRITE else reads).add(topic_group)
        elif binding.restype == ResourceType.GROUP:
            group = binding.name
        by_name[principal.removeprefix(SUBSCRIBER_PREFIX)] = (reads, writes, group)
    return [Subscriber(name, SUBSCRIBER_PREFIX + name, tuple(sorted(r | w)), tuple(sorted(w)), g)
            for name, (r, w, g) in sorted(by_name.items())]


def revoke_subscriber(settings: Settings, name: str) -> None:
    """Every ACL of the subscriber goes and its user is retired (its connections are refused from
    the next authentication); a subscriber is listed only while it holds ACLs."""
    if name not in {s.name for s in list_subscribers(settings)}:
        raise ProvisioningError(f"no subscriber named {name}")
    admin = KafkaAdmin(settings)
    admin.revoke([_any_acl(subscriber_principal(name))])
    admin.retire_user(SUBSCRIBER_PREFIX + name)


def connection_settings(settings: Settings, subscriber: Subscriber, password: str) -> dict[str, str]:
    """What the subscriber's system needs (librdkafka / Java client property names)."""
    access = settings.kafka_access(None)
    properties = {
        "bootstrap.servers": settings.kafka_bootstrap,
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": subscriber.username,
        "sasl.password": password,
        "group.id": f"{subscriber.group_prefix}.<your-consumer>",
        "topics": ", ".join(f"{settings.kafka_namespace}ocop.{g}.*" for g in subscriber.reads),
    }
    if access.ca_file is not None:
        properties["ssl.ca.location"] = str(access.ca_file)
    return properties
