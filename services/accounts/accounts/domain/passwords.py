"""What a password must be (NIST SP 800-63B: long enough, not a known one, not the login)."""

from __future__ import annotations

from ocop_shared.i18n import said

from .errors import WeakPassword

MIN_LENGTH = 10
MAX_LENGTH = 128
# The most used passwords (and Vietnamese favourites), refused outright.
COMMON = frozenset({
    "1234567890", "0123456789", "12345678910", "1234567899", "9876543210", "1111111111",
    "0000000000", "1234512345", "1122334455", "qwertyuiop", "password123", "password12",
    "passw0rd123", "matkhau123", "matkhau1234", "anhyeuem123", "iloveyou123", "abc1234567",
    "a123456789", "123456789a", "qwerty1234", "admin12345", "administrator", "welcome123",
    "zaq12wsxcde", "ocop123456", "vietnam123", "hanoi12345", "angiang123", "doimatkhau",
})


def check_password(password: str, login_shown: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(*said("accounts.password_needs_at_least_characters", min_length=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise WeakPassword(*said("accounts.password_may_have_at_most_characters", max_length=MAX_LENGTH))
    lowered = password.lower()
    if lowered in COMMON or len(set(password)) < 4:
        raise WeakPassword(*said("accounts.password_too_common_safe_choose_another"))
    if login_shown and login_shown.lower() in lowered:
        raise WeakPassword(*said("accounts.password_must_not_contain_login"))
