"""What a password must be (NIST SP 800-63B: long enough, not a known one, not the login)."""

from __future__ import annotations

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
        raise WeakPassword(f"Mật khẩu cần ít nhất {MIN_LENGTH} ký tự",
                           f"The password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Mật khẩu dài tối đa {MAX_LENGTH} ký tự",
                           f"The password may have at most {MAX_LENGTH} characters")
    lowered = password.lower()
    if lowered in COMMON or len(set(password)) < 4:
        raise WeakPassword("Mật khẩu này quá phổ biến, dễ bị đoán: hãy chọn mật khẩu khác",
                           "This password is too common to be safe: choose another")
    if login_shown and login_shown.lower() in lowered:
        raise WeakPassword("Mật khẩu không được chứa tên đăng nhập",
                           "The password must not contain the login")
