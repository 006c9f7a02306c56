"""Checks of Vietnamese identifiers: phone numbers, e-mail addresses, tax and registration numbers."""

from __future__ import annotations

import re

from ocop_shared.contracts.common import LegalForm
from ocop_shared.i18n import said

from .errors import DomainError

_MOBILE = re.compile(r"^0(3[2-9]|5[25689]|7[06-9]|8[1-9]|9[0-9])\d{7}$")
_LANDLINE = re.compile(r"^02\d{9}$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")
_TAX = re.compile(r"^(\d{10})(-\d{3})?$")
_PERSONAL_ID_TAX = re.compile(r"^\d{12}$")
_HOUSEHOLD_REGISTRATION = re.compile(r"^\d{2}[A-Z]\d{1,2}\d{6}$")
_OTHER_REGISTRATION = re.compile(r"^[0-9A-Z/\-.]{4,30}$")
_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def normalise_phone(raw: str) -> str:
    """A Vietnamese phone number in national form (0xxxxxxxxx), or a DomainError."""
    digits = re.sub(r"[\s.\-()]", "", raw)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if _MOBILE.match(digits) or _LANDLINE.match(digits):
        return digits
    raise DomainError(
        *said("registry.not_vietnamese_phone_number_e_g", raw=raw),
        field="phone",
    )


def normalise_email(raw: str) -> str:
    email = raw.strip()
    if len(email) <= 254 and _EMAIL.match(email):
        return email.lower()
    raise DomainError(*said("registry.not_e_mail_address", raw=raw),
                      field="email")


def tax_code_valid(code: str) -> bool:
    """Enterprise tax code (mã số thuế / mã số doanh nghiệp): 10 digits with a check digit,
    optionally followed by a 3-digit branch suffix."""
    match = _TAX.match(code)
    if not match:
        return False
    digits = [int(c) for c in match.group(1)]
    check = 10 - sum(w * d for w, d in zip(_TAX_WEIGHTS, digits, strict=False)) % 11
    return check < 10 and check == digits[9]


def with_check_digit(first_nine: str) -> str | None:
    """The 10-digit tax code with these first nine digits, or None if no check digit exists."""
    check = 10 - sum(w * int(d) for w, d in zip(_TAX_WEIGHTS, first_nine, strict=True)) % 11
    return f"{first_nine}{check}" if check < 10 else None


def normalise_registration(raw: str, legal_form: LegalForm) -> str:
    """The registration number an entity of this legal form must have.

    Enterprises and cooperatives are registered under their tax code; a household
    business under its district registration code (e.g. 89A8012345) or its owner's
    tax code; farms, cooperative groups and tourism bodies under the number of the
    paper that recognises them.
    """
    code = raw.strip().upper().replace(" ", "")
    if legal_form in (LegalForm.COOPERATIVE, LegalForm.ENTERPRISE_LLC,
                      LegalForm.ENTERPRISE_JSC, LegalForm.ENTERPRISE_PRIVATE):
        if tax_code_valid(code):
            return code
        raise DomainError(
            *said("registry.not_valid_enterprise_cooperative_tax_code", raw=raw),
            field="registration_no",
        )
    if legal_form is LegalForm.HOUSEHOLD:
        if (_HOUSEHOLD_REGISTRATION.match(code) or tax_code_valid(code)
                or _PERSONAL_ID_TAX.match(code)):
            return code
        raise DomainError(
            *said("registry.not_household_business_registration_number_e", raw=raw),
            field="registration_no",
        )
    if _OTHER_REGISTRATION.match(code):
        return code
    raise DomainError(*said("registry.not_registration_number", raw=raw),
                      field="registration_no")
