"""Signed QR tokens: round trip, key rotation, JWKS, and every way a token can be bad."""

from __future__ import annotations

import json
import re
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from cert_builders import ISSUED_AT, issue
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certification.adapters.signing import (
    KeyRing,
    KeyRingError,
    MalformedToken,
    QrClaims,
    SignatureMismatch,
    TokenError,
    UnknownKey,
    UnsupportedVersion,
    b64url_decode,
    b64url_encode,
    canonical_json,
    jwk_thumbprint,
    qr_text_for,
    sign_token,
    token_for,
    token_from_qr,
    verification_url,
    verify_token,
)

BASE = "https://ocop.angiang.gov.vn"
TOKEN_SHAPE = re.compile(r"OCOP1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}")


def make_token(ring: KeyRing, **overrides: object) -> str:
    fields: dict[str, object] = {"number": "89-2026-00001", "product_code": "89-30301-1-2026", "stars": 4,
                                 "valid_until": date(2029, 6, 14), "issued_at": ISSUED_AT}
    fields.update(overrides)
    return sign_token(ring, **fields)  # type: ignore[arg-type]


def reencode(token: str, change: dict[str, object]) -> str:
    """The same token with its payload edited and re-encoded (signature kept)."""
    version, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    claims.update(change)
    return f"{version}.{b64url_encode(canonical_json(claims))}.{signature}"


# ---- round trip ---------------------------------------------------------------------------


def test_sign_and_verify_round_trip() -> None:
    ring = KeyRing.generate()
    token = make_token(ring)
    assert TOKEN_SHAPE.fullmatch(token)
    claims = verify_token(ring, token)
    assert claims == QrClaims(number="89-2026-00001", product_code="89-30301-1-2026", stars=4,
                              valid_until=date(2029, 6, 14), status="active", key_id=ring.active_kid,
                              issued_at=ISSUED_AT)


def test_the_payload_is_canonical_compact_json() -> None:
    ring = KeyRing.generate()
    payload = b64url_decode(make_token(ring).split(".")[1])
    assert payload == (
        b'{"iat":1781492400,"k":"' + ring.active_kid.encode() + b'","n":"89-2026-00001",'
        b'"p":"89-30301-1-2026","s":4,"st":"active","u":"2029-06-14"}')


def test_the_qr_encodes_the_verification_url_with_the_token() -> None:
    ring = KeyRing.generate()
    certificate = issue()
    text = qr_text_for(ring, certificate, base_url=BASE + "/", issued_at=ISSUED_AT)
    prefix = f"{BASE}/certification/verify/89-2026-00001?t="
    assert text.startswith(prefix)
    assert text[len(prefix):] == token_for(ring, certificate, ISSUED_AT)
    assert len(text) < 400  # a QR of modest version
    assert token_from_qr(text) == text[len(prefix):]
    assert verify_token(ring, text).number == "89-2026-00001"  # a scanned URL verifies directly
    assert verification_url(BASE, "A/B 1", "x") == f"{BASE}/certification/verify/A%2FB%201?t=x"


def test_offline_status_knows_only_the_calendar() -> None:
    claims = verify_token(ring := KeyRing.generate(), make_token(ring))
    assert claims.offline_status(date(2029, 6, 14)) == "active"
    assert claims.offline_status(date(2029, 6, 15)) == "expired"


def test_signing_needs_an_aware_instant_and_sane_fields() -> None:
    ring = KeyRing.generate()
    with pytest.raises(ValueError):
        make_token(ring, issued_at=datetime(2026, 6, 15))
    with pytest.raises(ValueError):
        make_token(ring, status="lost")
    with pytest.raises(MalformedToken):
        make_token(ring, stars=2)


# ---- key ring, rotation, JWKS -------------------------------------------------------------


def test_first_start_creates_a_key_and_the_next_start_reuses_it(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    ring = KeyRing.load_or_create(folder)
    kid = ring.active_kid
    assert (folder / "active").read_text().strip() == kid
    private = folder / f"{kid}.key.pem"
    assert private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert (folder / f"{kid}.pub.pem").read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    again = KeyRing.load_or_create(folder)
    assert again.active_kid == kid and again.key_ids == [kid]
    assert verify_token(again, make_token(ring)).key_id == kid


def test_rotation_new_tokens_use_the_new_key_and_old_tokens_still_verify(tmp_path: Path) -> None:
    ring = KeyRing.load_or_create(tmp_path)
    old_kid = ring.active_kid
    old_token = make_token(ring)
    new_kid = ring.rotate()
    assert new_kid != old_kid and ring.active_kid == new_kid
    new_token = make_token(ring)
    assert verify_token(ring, new_token).key_id == new_kid
    assert verify_token(ring, old_token).key_id == old_kid

    reloaded = KeyRing.load(tmp_path)  # another process, after the rotation
    assert reloaded.active_kid == new_kid and set(reloaded.key_ids) == {old_kid, new_kid}
    assert verify_token(reloaded, old_token).key_id == old_kid

    published = KeyRing.from_jwks(json.loads(json.dumps(ring.jwks())))  # what a phone app has
    assert verify_token(published, old_token).key_id == old_kid
    assert verify_token(published, new_token).key_id == new_kid
    with pytest.raises(KeyRingError):
        make_token(published)  # verify-only


def test_a_replica_learns_a_rotated_key_from_the_folder(tmp_path: Path) -> None:
    replica = KeyRing.load_or_create(tmp_path)
    rotating = KeyRing.load(tmp_path)
    rotating.rotate()
    assert verify_token(replica, make_token(rotating)).key_id == rotating.active_kid


def test_retired_keys_verify_but_never_sign(tmp_path: Path) -> None:
    ring = KeyRing.load_or_create(tmp_path)
    old_kid = ring.active_kid
    old_token = make_token(ring)
    with pytest.raises(KeyRingError):
        ring.retire(old_kid)  # still the active key
    ring.rotate()
    ring.retire(old_kid)
    assert not (tmp_path / f"{old_kid}.key.pem").exists()
    reloaded = KeyRing.load(tmp_path)
    assert verify_token(reloaded, old_token).key_id == old_kid
    (tmp_path / "active").write_text(old_kid)
    with pytest.raises(KeyRingError):
        KeyRing.load(tmp_path)


def test_withdrawn_keys_are_unknown(tmp_path: Path) -> None:
    ring = KeyRing.load_or_create(tmp_path)
    compromised = ring.active_kid
    token = make_token(ring)
    ring.rotate()
    (tmp_path / f"{compromised}.key.pem").unlink()
    (tmp_path / f"{compromised}.pub.pem").unlink()
    with pytest.raises(UnknownKey):
        verify_token(KeyRing.load(tmp_path), token)


def test_keys_in_a_folder_written_by_hand(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization as s

    for kid in ("2026a", "2026b"):
        pem = Ed25519PrivateKey.generate().private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8,
                                                         s.NoEncryption())
        (tmp_path / f"{kid}.key.pem").write_bytes(pem)
    with pytest.raises(KeyRingError, match="several private keys"):
        KeyRing.load_or_create(tmp_path)
    (tmp_path / "active").write_text("2026b\n")
    assert KeyRing.load_or_create(tmp_path).active_kid == "2026b"

    (tmp_path / "2026a.pub.pem").write_bytes(Ed25519PrivateKey.generate().public_key().public_bytes(
        s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo))
    with pytest.raises(KeyRingError, match="does not match"):
        KeyRing.load(tmp_path)
    (tmp_path / "2026a.pub.pem").unlink()
    (tmp_path / "bad id.key.pem").write_text("x")
    with pytest.raises(KeyRingError, match="key id"):
        KeyRing.load(tmp_path)
    (tmp_path / "bad id.key.pem").unlink()
    (tmp_path / "2026c.key.pem").write_text("not a key")
    with pytest.raises(KeyRingError, match="not an unencrypted PEM"):
        KeyRing.load(tmp_path)


def test_jwks_is_rfc_8037_with_the_rfc_test_vector() -> None:
    # RFC 8037 Appendix A.1-A.4: the key, its thumbprint and a signature
    d = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
    private = Ed25519PrivateKey.from_private_bytes(b64url_decode(d))
    ring = KeyRing.from_private_keys({"rfc8037": private}, active="rfc8037")
    assert ring.jwks() == {"keys": [{"kty": "OKP", "crv": "Ed25519",
                                     "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                                     "kid": "rfc8037", "use": "sig", "alg": "EdDSA"}]}
    assert jwk_thumbprint(private.public_key()) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    assert b64url_encode(ring.sign(b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc")) == (
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg")


def test_from_jwks_skips_other_key_types_and_rejects_broken_ed25519_keys() -> None:
    ring = KeyRing.generate()
    document = ring.jwks()
    document["keys"].append({"kty": "RSA", "kid": "rsa-1", "n": "AQAB", "e": "AQAB"})
    assert KeyRing.from_jwks(document).key_ids == [ring.active_kid]
    with pytest.raises(KeyRingError):
        KeyRing.from_jwks({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k", "x": "AAAA"}]})
    with pytest.raises(KeyRingError):
        KeyRing.from_jwks({"keys": "none"})


# ---- bad tokens ---------------------------------------------------------------------------


def test_a_forged_signature_is_rejected() -> None:
    ring = KeyRing.generate()
    version, payload, _ = make_token(ring).split(".")
    with pytest.raises(SignatureMismatch) as raised:
        verify_token(ring, f"{version}.{payload}.{b64url_encode(bytes(64))}")
    assert "giả mạo" in raised.value.vi and "forged" in raised.value.en

    impostor = KeyRing.from_private_keys({ring.active_kid: Ed25519PrivateKey.generate()}, ring.active_kid)
    with pytest.raises(SignatureMismatch):
        verify_token(ring, make_token(impostor))  # signed by another key under our key id


@pytest.mark.parametrize("change", [{"s": 5}, {"u": "2035-06-14"}, {"n": "89-2026-00002"}, {"st": "active",
                                                                                         "p": "89-1-1-2026"}])
def test_an_altered_payload_is_rejected(change: dict[str, object]) -> None:
    ring = KeyRing.generate()
    with pytest.raises(SignatureMismatch) as raised:
        verify_token(ring, reencode(make_token(ring), change))
    assert "sửa" in raised.value.vi and "altered" in raised.value.en


def test_an_unknown_key_id_is_rejected() -> None:
    ours, theirs = KeyRing.generate(), KeyRing.generate()
    with pytest.raises(UnknownKey) as raised:
        verify_token(ours, make_token(theirs))
    assert theirs.active_kid in raised.value.en and "không được công bố" in raised.value.vi


def garbage_tokens() -> list[str]:
    ring = KeyRing.generate()
    good = make_token(ring)
    version, payload, signature = good.split(".")
    claims = json.loads(b64url_decode(payload))
    without_stars = {k: v for k, v in claims.items() if k != "s"}

    def with_payload(raw: bytes) -> str:
        return f"{version}.{b64url_encode(raw)}.{signature}"

    return [
        "", "garbage", "OCOP1", "OCOP1..", "OCOP1.a.b", f"{good}.extra", f"ocop1.{payload}.{signature}",
        f"{version}.{payload}.{signature[:-2]}",  # 63-byte signature
        f"{version}.{payload}+.{signature}",  # not the URL-safe alphabet
        f"{version}.{payload}=.{signature}",  # padding
        f"{version}.{payload}.{signature[:-1]}B",  # non-canonical trailing bits
        with_payload(b"not json"), with_payload(b"[1,2]"), with_payload("{\"n\":\"Đ\"}".encode()),
        with_payload(canonical_json(without_stars)),
        with_payload(canonical_json({**claims, "x": 1})),
        with_payload(canonical_json({**claims, "s": 9})),
        with_payload(canonical_json({**claims, "s": True})),
        with_payload(canonical_json({**claims, "u": "14/06/2029"})),
        with_payload(canonical_json({**claims, "st": "valid"})),
        with_payload(canonical_json({**claims, "k": "../../etc"})),
        f"{BASE}/certification/verify/89-2026-00001",  # a URL without the token
        "A" * 5000,
    ]


@pytest.mark.parametrize("token", garbage_tokens())
def test_malformed_tokens_are_rejected(token: str) -> None:
    with pytest.raises(MalformedToken) as raised:
        verify_token(KeyRing.generate(), token)
    assert raised.value.vi.startswith("Mã QR không hợp lệ") and raised.value.en.startswith("Not a valid")


def test_a_newer_format_is_reported_as_unsupported() -> None:
    with pytest.raises(UnsupportedVersion) as raised:
        verify_token(KeyRing.generate(), "OCOP2.abc.def")
    assert "cập nhật" in raised.value.vi


def test_each_failure_has_its_own_error_code() -> None:
    codes = {cls.code for cls in (MalformedToken, UnsupportedVersion, UnknownKey, SignatureMismatch)}
    assert len(codes) == 4
    assert all(issubclass(cls, TokenError)
               for cls in (MalformedToken, UnsupportedVersion, UnknownKey, SignatureMismatch))


def test_a_token_survives_a_second_as_issued_at() -> None:
    ring = KeyRing.generate()
    moment = datetime(2026, 6, 15, 3, 0, 59, 999999, tzinfo=UTC)
    assert verify_token(ring, make_token(ring, issued_at=moment)).issued_at == moment.replace(microsecond=0)
