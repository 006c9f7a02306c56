"""What can go wrong with an account, in words for people (no HTTP here: the API maps them)."""

from __future__ import annotations


class AccountError(Exception):
    def __init__(self, vi: str, en: str, *, field: str | None = None) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en
        self.field = field


class InvalidCredentials(AccountError):
    def __init__(self) -> None:
        super().__init__("Tên đăng nhập hoặc mật khẩu không đúng",
                         "The login or the password is wrong")


class AccountLocked(AccountError):
    def __init__(self, retry_after_seconds: int) -> None:
        minutes = max(1, -(-retry_after_seconds // 60))
        super().__init__(f"Đăng nhập sai quá nhiều lần; thử lại sau {minutes} phút",
                         f"Too many failed sign-ins; try again in {minutes} minute(s)")
        self.retry_after = retry_after_seconds


class NotVerified(AccountError):
    def __init__(self) -> None:
        super().__init__("Tài khoản chưa được xác minh: nhập mã đã gửi cho bạn",
                         "The account is not verified yet: enter the code sent to you")


class WeakPassword(AccountError):
    def __init__(self, vi: str, en: str) -> None:
        super().__init__(vi, en, field="password")


class CodeRejected(AccountError):
    def __init__(self) -> None:
        super().__init__("Mã xác nhận không đúng hoặc đã hết hạn",
                         "The code is wrong or has expired", field="code")


class SessionEnded(AccountError):
    def __init__(self) -> None:
        super().__init__("Phiên đăng nhập đã hết hạn hoặc đã đăng xuất, vui lòng đăng nhập lại",
                         "The session has expired or was signed out; sign in again")


class CannotDeliver(AccountError):
    def __init__(self, vi: str, en: str) -> None:
        super().__init__(vi, en, field="login")
