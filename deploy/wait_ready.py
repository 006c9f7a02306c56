#!/usr/bin/env python3
"""Readiness checks and smoke tests for the local stack (used by deploy/stack.sh).

    wait_ready.py kafka --bootstrap 127.0.0.1:9092 [--timeout 120] [--pid PID]
    wait_ready.py s3 --endpoint 127.0.0.1:9000 [--health /health] [--timeout 60] [--pid PID]
    wait_ready.py smoke-kafka --bootstrap 127.0.0.1:9092
    wait_ready.py smoke-s3 --endpoint 127.0.0.1:9000

Readiness means a real client call succeeds, not just an open port:
  kafka: aiokafka admin metadata shows a broker and an active controller, and the group
         coordinator answers FindCoordinator (this also creates __consumer_offsets, so the
         first consumer group of the app/tests does not hit GroupCoordinatorNotAvailable).
  s3:    GET <health> answers 200, then ListBuckets with the minio SDK succeeds.
With --pid, the wait stops at once (exit 2) if that process has exited.

The smoke-* commands are the end-to-end checks the stack was validated with: an idempotent
producer (acks=all) + a consumer group with manual commit + AIOKafkaAdminClient.create_topics;
and minio make_bucket / unknown-length multipart put / get / stat / list / copy / presigned
GET / remove. Exit code 0 = ok, 1 = not ready / failed, 2 = process died.
Only needs aiokafka (kafka) and minio (s3); imports are lazy.
"""
from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

DEFAULT_KEY = "minioadmin"


def say(msg: str) -> None:
    print(f"[wait_ready] {msg}", file=sys.stderr, flush=True)


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
            return True
        except OSError:
            return False


class Died(Exception):
    pass


def poll(name: str, attempt, timeout: float, pid: int | None, interval: float = 0.5) -> int:
    """Call attempt() until it returns without raising; return 0, 1 on timeout, 2 if pid died."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while True:
        if not pid_alive(pid):
            say(f"{name}: process {pid} exited")
            return 2
        try:
            attempt()
            return 0
        except Died:
            say(f"{name}: process {pid} exited")
            return 2
        except Exception as exc:
            last = exc
        if time.monotonic() >= deadline:
            say(f"{name}: not ready after {timeout:.0f}s; last error: {type(last).__name__}: {last}")
            return 1
        time.sleep(interval)


# --------------------------------------------------------------------------- kafka

def _kafka_client(args) -> dict:
    """aiokafka's connection arguments: SCRAM-SHA-512 over TLS when a user is given."""
    options = {"bootstrap_servers": args.bootstrap}
    if args.sasl_user:
        import ssl

        with open(args.sasl_password_file, encoding="utf-8") as handle:
            password = handle.readline().strip()
        options.update(security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512",
                       sasl_plain_username=args.sasl_user, sasl_plain_password=password,
                       ssl_context=ssl.create_default_context(cafile=args.ca_file))
    return options


async def _kafka_probe(args) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(**_kafka_client(args), request_timeout_ms=5000,
                                client_id="ocop-stack-ready")
    try:
        await asyncio.wait_for(admin.start(), 10)
        cluster = await asyncio.wait_for(admin.describe_cluster(), 10)
        if not cluster.get("brokers"):
            raise RuntimeError("no broker registered yet")
        if cluster.get("controller_id", -1) < 0:
            raise RuntimeError("no active controller yet")
        await asyncio.wait_for(admin.find_coordinator("ocop-stack-readiness"), 10)
    finally:
        try:
            await asyncio.wait_for(admin.close(), 5)
        except Exception:
            pass


def kafka_ready(args) -> int:
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    return poll("kafka", lambda: asyncio.run(_kafka_probe(args)), args.timeout, args.pid)


async def _kafka_smoke(args) -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    topic = f"stack-smoke-{uuid.uuid4().hex[:8]}"
    group = f"{topic}-group"
    client = _kafka_client(args)
    admin = AIOKafkaAdminClient(**client)
    await admin.start()
    try:
        resp = await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
        errors = [e for e in resp.topic_errors if e[1] != 0]
        assert not errors, f"create_topics failed: {errors}"
        say(f"kafka: created topic {topic} (3 partitions)")

        producer = AIOKafkaProducer(**client, enable_idempotence=True, acks="all")
        await producer.start()
        try:
            sent = {f"k{i}".encode(): f"v{i}".encode() for i in range(30)}
            for k, v in sent.items():
                await producer.send_and_wait(topic, v, key=k)
        finally:
            await producer.stop()
        say("kafka: idempotent producer (acks=all) sent 30 records")

        async def consume(expect: int):
            consumer = AIOKafkaConsumer(topic, **client, group_id=group,
                                        enable_auto_commit=False, auto_offset_reset="earliest")
            await consumer.start()
            got: dict = {}
            try:
                deadline = time.monotonic() + 30
                polls_after_assignment = 0
                while time.monotonic() < deadline:
                    batch = await consumer.getmany(timeout_ms=500)
                    for msgs in batch.values():
                        for m in msgs:
                            got[m.key] = m.value
                    if consumer.assignment():
                        polls_after_assignment += 1
                    if len(got) >= expect and polls_after_assignment >= 2:
                        break
                assert consumer.assignment(), "consumer got no partition assignment"
                await consumer.commit()
                committed = {tp.partition: await consumer.committed(tp) for tp in consumer.assignment()}
            finally:
                await consumer.stop()
            return got, committed

        got, committed = await consume(30)
        assert got == sent, f"consumed {len(got)}/30 records"
        assert sum(v or 0 for v in committed.values()) == 30, f"committed offsets {committed}"
        say(f"kafka: consumer group read 30 records, manual commit -> offsets {committed}")
        # a second consumer in the same group resumes from the committed offsets: nothing new
        again, _ = await consume(0)
        assert not again, f"re-read {len(again)} records after commit"
        say("kafka: second consumer in the group resumed after the committed offsets")
        groups = await admin.list_consumer_groups()
        assert any(g[0] == group for g in groups), f"group {group} not listed: {groups}"
    finally:
        try:
            await admin.delete_topics([topic])
        except Exception as exc:
            say(f"kafka: (cleanup) delete_topics failed: {exc}")
        await admin.close()


def kafka_smoke(args) -> int:
    t0 = time.monotonic()
    asyncio.run(_kafka_smoke(args))
    say(f"kafka: smoke test OK in {time.monotonic() - t0:.1f}s")
    return 0


# --------------------------------------------------------------------------- s3

def _minio(args):
    from minio import Minio

    return Minio(args.endpoint, access_key=args.access_key, secret_key=args.secret_key,
                 secure=False, region="us-east-1")


def s3_ready(args) -> int:
    url = f"http://{args.endpoint}{args.health}"
    client = None

    def attempt():
        nonlocal client
        with urllib.request.urlopen(url, timeout=3) as resp:
            if resp.status != 200:
                raise RuntimeError(f"{url} -> HTTP {resp.status}")
        if client is None:
            import urllib3
            from minio import Minio

            http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=3, read=5),
                                       retries=urllib3.Retry(total=0))
            client = Minio(args.endpoint, access_key=args.access_key, secret_key=args.secret_key,
                           secure=False, region="us-east-1", http_client=http)
        client.list_buckets()

    return poll("s3", attempt, args.timeout, args.pid, interval=0.2)


class _UnknownLength(io.RawIOBase):
    """A readable stream with no len()/seek, to force put_object(length=-1)."""

    def __init__(self, data: bytes):
        self._buf = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        return self._buf.read(n)


def s3_smoke(args) -> int:
    from minio.commonconfig import CopySource
    from minio.error import S3Error

    t0 = time.monotonic()
    c = _minio(args)
    bucket = f"stack-smoke-{uuid.uuid4().hex[:8]}"
    c.make_bucket(bucket)
    assert c.bucket_exists(bucket)
    say(f"s3: make_bucket {bucket}")
    data = os.urandom(12 * 1024 * 1024 + 4321)
    try:
        r = c.put_object(bucket, "dir/big.bin", _UnknownLength(data), length=-1,
                         part_size=5 * 1024 * 1024, content_type="application/octet-stream",
                         metadata={"x-amz-meta-origin": "smoke"})
        assert r.etag.endswith("-3"), f"expected a 3-part multipart etag, got {r.etag}"
        say(f"s3: put_object length=-1 part_size=5MiB ({len(data)} bytes) -> multipart etag {r.etag}")
        resp = c.get_object(bucket, "dir/big.bin")
        try:
            assert resp.read() == data, "get_object returned different bytes"
        finally:
            resp.close()
            resp.release_conn()
        st = c.stat_object(bucket, "dir/big.bin")
        assert st.size == len(data) and st.content_type == "application/octet-stream", st
        assert (st.metadata or {}).get("x-amz-meta-origin") == "smoke", dict(st.metadata or {})
        c.put_object(bucket, "small.txt", io.BytesIO(b"hello"), length=5, content_type="text/plain")
        names = sorted(o.object_name for o in c.list_objects(bucket, recursive=True))
        assert names == ["dir/big.bin", "small.txt"], names
        top = sorted(o.object_name for o in c.list_objects(bucket))
        assert top == ["dir/", "small.txt"], top
        say(f"s3: get_object/stat_object/list_objects OK ({names})")
        c.copy_object(bucket, "copy/big.bin", CopySource(bucket, "dir/big.bin"))
        resp = c.get_object(bucket, "copy/big.bin")
        try:
            assert resp.read() == data, "copy differs"
        finally:
            resp.close()
            resp.release_conn()
        say("s3: copy_object OK")
        url = c.presigned_get_object(bucket, "small.txt")
        with urllib.request.urlopen(url, timeout=10) as r2:
            assert r2.read() == b"hello"
        say("s3: presigned_get_object fetched with urllib OK")
        for name in ("dir/big.bin", "copy/big.bin", "small.txt"):
            c.remove_object(bucket, name)
        left = list(c.list_objects(bucket, recursive=True))
        assert not left, [o.object_name for o in left]
        try:
            c.stat_object(bucket, "small.txt")
            raise AssertionError("object still there after remove_object")
        except S3Error as exc:
            assert exc.code == "NoSuchKey", exc.code
        say("s3: remove_object OK")
    finally:
        for o in c.list_objects(bucket, recursive=True):
            c.remove_object(bucket, o.object_name)
        c.remove_bucket(bucket)
    say(f"s3: smoke test OK in {time.monotonic() - t0:.1f}s")
    return 0


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("kafka", "smoke-kafka"):
        s = sub.add_parser(name)
        s.add_argument("--bootstrap", default=os.environ.get("OCOP_KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
        s.add_argument("--timeout", type=float, default=120)
        s.add_argument("--pid", type=int)
        s.add_argument("--sasl-user", help="SCRAM-SHA-512 user (the stack's admin); TLS then")
        s.add_argument("--sasl-password-file")
        s.add_argument("--ca-file", help="the CA certificate the broker's is signed by")
    for name in ("s3", "smoke-s3"):
        s = sub.add_parser(name)
        s.add_argument("--endpoint", default=os.environ.get("OCOP_S3_ENDPOINT", "127.0.0.1:9000"))
        s.add_argument("--health", default="/health")
        s.add_argument("--access-key", default=os.environ.get("OCOP_S3_ACCESS_KEY", DEFAULT_KEY))
        s.add_argument("--secret-key", default=os.environ.get("OCOP_S3_SECRET_KEY", DEFAULT_KEY))
        s.add_argument("--timeout", type=float, default=60)
        s.add_argument("--pid", type=int)
    args = p.parse_args(argv)
    try:
        return {"kafka": kafka_ready, "smoke-kafka": kafka_smoke,
                "s3": s3_ready, "smoke-s3": s3_smoke}[args.cmd](args)
    except ImportError as exc:
        say(f"{args.cmd}: {exc} (python: {sys.executable}); install the project's dependencies")
        return 1
    except (AssertionError, Exception) as exc:
        say(f"{args.cmd}: FAILED: {type(exc).__name__}: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
