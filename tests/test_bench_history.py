"""The national event history of bench/history.py: valid contracts, every type trade and
reporting consume (asked of their own wiring), causal order, proportions, exact repeatable cuts."""

from __future__ import annotations

import hashlib
import itertools
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from bench.history import history, history_events, type_counts
from ocop_cli.platform import service_spec
from ocop_shared.contracts import EVENT_CLASSES, Envelope, read_event
from ocop_shared.regulations import product_sets
from ocop_shared.runtime import ServiceRuntime
from ocop_shared.settings import Settings
from ocop_shared.storage.none import NoObjectStore

ROOT = Path(__file__).resolve().parents[1]
PRODUCTS = 2000
ENDINGS = ("CertificateRevoked", "CertificateExpired", "CertificateSuperseded")


@pytest.fixture(scope="module")
def events() -> list[Envelope[Any]]:
    return list(history(PRODUCTS))


@pytest.fixture(scope="module")
def consumed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """The event types ('Certified.v1') each service handles, from its own wiring, as
    `ocop kafka` derives the topics its Kafka user may read."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("consumers"))
    found = {}
    for name in ("trade", "reporting"):
        runtime = ServiceRuntime(service_spec(name), settings, transport=None,  # type: ignore[arg-type]
                                 store=NoObjectStore(name), verifier=lambda: None)  # type: ignore[arg-type]
        found[name] = {cls.event_key() for group in runtime.consumer_groups().values() for cls in group}
    return found


def test_every_event_is_a_valid_contract_of_the_catalogue(events: list[Envelope[Any]]) -> None:
    for event in events:
        cls = EVENT_CLASSES[event.event_key()]
        assert type(event) is cls
        raw = event.to_json_bytes()
        assert cls.model_validate_json(raw) == event
        assert read_event(raw) == event  # as the consumers read it


def test_it_has_every_type_trade_and_reporting_consume_and_no_other(
        events: list[Envelope[Any]], consumed: dict[str, set[str]]) -> None:
    published = {event.event_key() for event in events}
    for service, types in consumed.items():
        assert types <= published, f"{service} consumes {sorted(types - published)}, never published"
    assert published <= set().union(*consumed.values()), "published types nobody consumes"


def test_events_come_in_time_order_and_each_aggregate_counts_its_own(events: list[Envelope[Any]]) -> None:
    versions: dict[tuple[str, str], int] = defaultdict(int)
    for before, event in itertools.pairwise(events):
        assert before.occurred_at < event.occurred_at
    for event in events:
        key = (event.topic, event.aggregate_id)
        versions[key] += 1
        assert event.aggregate_version == versions[key], f"{event.type} {event.aggregate_id}"


# Over 40 lines: one pass keeps every kind of step in view, in the order the history has them.
def test_each_product_and_certificate_goes_through_its_steps_in_order(events: list[Envelope[Any]]) -> None:
    registered: set[str] = set()
    submitted: set[str] = set()
    scored: set[str] = set()  # evaluations
    decided: dict[str, str] = {}  # certificate number -> the evaluation its decision recognised
    issued: dict[str, str] = {}  # certificate number -> product
    live: dict[str, str] = {}  # product -> its certificate's number, while it holds one
    ended: set[str] = set()
    replaced: dict[str, str] = {}  # product -> the number of the certificate just superseded
    for event in events:
        p = event.payload
        if event.type == "ProductRegistered":
            registered.add(p.product_id)
        elif event.type == "ProductSubmitted":
            assert p.product_id in registered
            submitted.add(p.submission_id)
            assert p.current_certificate_number == live.get(p.product_id)
        elif event.type == "Scored":
            assert p.submission_id in submitted
            assert p.previous_evaluation_id is None or p.previous_evaluation_id in scored
            scored.add(p.evaluation_id)
        elif event.type == "RecognitionDecided":
            for product in p.products:
                assert product.evaluation_id in scored
                if product.certificate_number is not None:
                    decided[product.certificate_number] = product.evaluation_id
        elif event.type == "Certified":
            assert p.number in decided and p.number not in issued
            assert p.product_id not in live, "a second live certificate"
            assert p.supersedes == replaced.pop(p.product_id, None)
            issued[p.number], live[p.product_id] = p.product_id, p.number
        elif event.type in ENDINGS:
            assert issued.get(p.number) == p.product_id and p.number not in ended
            if event.type == "CertificateSuperseded":
                assert p.superseded_by not in issued  # the new one follows it
                replaced[p.product_id] = p.number
            ended.add(p.number)
            del live[p.product_id]
        elif event.type == "CertificateExtended":
            assert live.get(p.product_id) == p.number
        elif event.type == "CatalogEntryAdded":
            assert live.get(p.product_id) == p.certificate_number
        elif event.type == "FairExhibitorRegistered":
            assert live.get(p.product_id) == p.certificate_number
    assert ended and live and not replaced


def test_proportions_are_those_the_module_states(events: list[Envelope[Any]]) -> None:
    counts = type_counts(events)
    final = {e.payload.product_id for e in events if e.type == "Scored" and e.payload.escalated_to is None}
    certified = {e.payload.product_id for e in events if e.type == "Certified"}
    revoked = {e.payload.product_id for e in events if e.type == "CertificateRevoked"}
    assert 1.7 <= counts["ProductRegistered"] / counts["EntityRegistered"] <= 2.3
    assert 0.80 <= len(certified) / len(final) <= 0.92
    assert 0.01 <= len(revoked) / len(certified) <= 0.06
    assert 0.15 <= counts["CertificateSuperseded"] / counts["Certified"] <= 0.5  # re-rated and upgraded
    assert counts["CertificateExpired"] > counts["CertificateRevoked"]
    assert {e.occurred_at.year for e in events} == set(range(2017, 2027))
    sets = {s.no for s in product_sets("26/2026/QĐ-TTg")}
    assert {e.payload.product_set_no for e in events if e.type == "ProductRegistered"} <= sets


def test_a_cut_has_exactly_the_events_asked_and_the_seed_repeats_it() -> None:
    first = [(e.id, e.type) for e in history_events(5000)]
    assert len(first) == 5000
    assert first == [(e.id, e.type) for e in history_events(5000)]
    assert first != [(e.id, e.type) for e in history_events(5000, seed=7)]
    assert Counter(t for _, t in first)["EntityRegistered"] > 0


def test_another_process_with_another_hash_seed_makes_the_same_history() -> None:
    script = ("import hashlib; from bench.history import history_events; "
              "print(hashlib.sha256(b''.join(e.to_json_bytes() for e in history_events(3000))).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}).stdout.strip()
               for seed in ("1", "2")}
    here = hashlib.sha256(b"".join(e.to_json_bytes() for e in history_events(3000))).hexdigest()
    assert digests == {here}
