"""How a process reaches Kafka: the bootstrap servers and, on a secured cluster, its own
SCRAM-SHA-512 user over TLS (the cluster's CA certificate), for aiokafka and the confluent-kafka
admin client alike.

The password is read again from its file on every new connection: a rotated credential is
used from the next reconnect on, without a restart. (aiokafka's SCRAM authenticator takes the
password by calling its `encode`; `LivePassword` answers that with the file's current line.)
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..secrets import Secret

MECHANISM = "SCRAM-SHA-512"


class LivePassword:
    """A password that is whatever its secret's file says now."""

    def __init__(self, secret: Secret) -> None:
        self.secret = secret

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return self.secret.current().encode(encoding, errors)

    def __str__(self) -> str:
        return self.secret.current()

    def __repr__(self) -> str:  # never the value
        return f"LivePassword({self.secret!r})"


@dataclass(frozen=True)
class KafkaAccess:
    bootstrap: str
    username: str | None = None
    password: Secret | None = None
    ca_file: Path | None = None

    @property
    def secured(self) -> bool:
        return self.username is not None and self.password is not None

    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def aiokafka(self) -> dict[str, Any]:
        """Keyword arguments of aiokafka's producers, consumers and admin client."""
        if not self.secured:
            return {"bootstrap_servers": self.bootstrap}
        assert self.password is not None
        return {"bootstrap_servers": self.bootstrap, "security_protocol": "SASL_SSL",
                "sasl_mechanism": MECHANISM, "sasl_plain_username": self.username,
                "sasl_plain_password": LivePassword(self.password), "ssl_context": self.ssl_context()}

    def confluent(self) -> dict[str, str]:
        """librdkafka's configuration (the confluent-kafka admin client of the tooling)."""
        config = {"bootstrap.servers": self.bootstrap}
        if self.secured:
            assert self.password is not None and self.username is not None
            config.update({"security.protocol": "SASL_SSL", "sasl.mechanisms": MECHANISM,
                           "sasl.username": self.username, "sasl.password": self.password.current()})
            if self.ca_file is not None:
                config["ssl.ca.location"] = str(self.ca_file)
        return config

    def as_user(self, username: str, password: Secret) -> KafkaAccess:
        return KafkaAccess(self.bootstrap, username, password, self.ca_file)


def access_of(access: KafkaAccess | str) -> KafkaAccess:
    """A bootstrap address alone is a cluster without authentication."""
    return access if isinstance(access, KafkaAccess) else KafkaAccess(access)
