"""Secrets from variables or files, one key a line (newest first), read again on change."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ocop_shared.secrets import Secret, SecretMissing
from ocop_shared.storage.filesystem import download_signature_valid, sign_download


def test_a_variable_is_one_key() -> None:
    secret = Secret("OCOP_X", "value-from-the-variable")
    assert (secret.current(), secret.all()) == ("value-from-the-variable", ("value-from-the-variable",))
    assert "value" not in repr(secret)
    with pytest.raises(SecretMissing):
        Secret("OCOP_Y", "").current()


def test_a_file_is_read_again_when_it_changes(tmp_path: Path) -> None:
    file = tmp_path / "key"
    file.write_text("first\n")
    secret = Secret("OCOP_X", "ignored-when-a-file-is-given", file)
    assert secret.all() == ("first",)
    file.write_text("second\n\nfirst\n")
    os.utime(file, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    secret._checked = 0.0  # as if a second had passed
    assert secret.all() == ("second", "first") and secret.current() == "second"


def test_a_missing_or_empty_file_is_said_by_name(tmp_path: Path) -> None:
    with pytest.raises(SecretMissing, match=r"OCOP_X.*cannot read"):
        Secret("OCOP_X", None, tmp_path / "absent").current()
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(SecretMissing, match="empty"):
        Secret("OCOP_X", None, tmp_path / "empty").current()


def test_a_download_link_signed_by_an_older_key_still_opens_until_the_key_is_dropped(tmp_path: Path) -> None:
    file = tmp_path / "download-keys"
    file.write_text("old-key\n")
    keys = Secret("OCOP_DOWNLOAD_SECRET", None, file)
    expires = int(time.time()) + 60
    link = sign_download(keys.current(), "ab" * 32, expires)
    file.write_text("new-key\nold-key\n")
    os.utime(file, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    keys._checked = 0.0
    assert download_signature_valid(keys, "ab" * 32, expires, link)
    assert sign_download(keys.current(), "ab" * 32, expires) != link
    file.write_text("new-key\n")
    os.utime(file, ns=(time.time_ns(), time.time_ns() + 2_000_000))
    keys._checked = 0.0
    assert not download_signature_valid(keys, "ab" * 32, expires, link)
