"""The console's own small logic: problem+json to field messages, form fields to request
bodies, the language choice, the string catalogue, reading the signed-in identity."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
from joserfc import jwt
from joserfc.jwk import OKPKey
from starlette.datastructures import FormData

from ocop_console import forms
from ocop_console.i18n import Translator, language_of
from ocop_console.problems import field_errors, problem_from, rename_indexed
from ocop_console.security import Csrf
from ocop_console.session import claims_of, expired
from ocop_shared.i18n import messages
from ocop_shared.provinces import province
from ocop_shared.secrets import Secret

TEMPLATES = Path(__file__).resolve().parents[1] / "ocop_console" / "templates"


def test_field_errors_come_from_errors_or_the_single_field() -> None:
    body = {"detail": "Dữ liệu gửi lên chưa hợp lệ: phone",
            "errors": [{"field": "phone", "message": "Giá trị quá ngắn"},
                       {"field": "phone", "message": "second"}, {"message": "no field"}]}
    assert field_errors(body) == {"phone": "Giá trị quá ngắn"}
    assert field_errors({"detail": "Sai", "field": "commune_code"}) == {"commune_code": "Sai"}
    assert field_errors({"detail": "Xung đột"}) == {}


def test_a_problem_response_keeps_detail_fields_and_extensions() -> None:
    response = httpx.Response(409, json={
        "detail": "Chưa thể kết thúc", "title": "Xung đột dữ liệu",
        "blockers": [{"message_vi": "Không đủ túc số", "message_en": "No quorum"}]})
    problem = problem_from(response)
    assert (problem.status, problem.detail, problem.fields) == (409, "Chưa thể kết thúc", {})
    assert problem.general == "Chưa thể kết thúc"
    assert problem.messages("blockers", "en") == ["No quorum"]
    assert problem.messages("blockers", "vi") == ["Không đủ túc số"]
    only_field = problem_from(httpx.Response(422, json={
        "detail": "Sai mã", "errors": [{"field": "registration_no", "message": "Sai mã"}]}))
    assert only_field.general == "", "the message is shown by the field; not twice"
    assert problem_from(httpx.Response(502, text="<html>")).detail == "Bad Gateway"


def test_positional_errors_are_named_by_key() -> None:
    fields = {"claims.1.option_index": "Không có mức này", "claims": "x", "samples": "y"}
    assert rename_indexed(fields, "claims", ["1.1", "2.3"]) == {
        "claims.2.3": "Không có mức này", "claims": "x", "samples": "y"}


def test_form_fields_become_claims_and_choices() -> None:
    form = FormData([("claims.1.1", "2"), ("claims.1.2", ""), ("claims.2.1", "0"),
                     ("evidence.1.1", "doc-a"), ("evidence.1.1", "doc-b"),
                     ("description.2.1", " tự làm "), ("samples", "5"), ("bad", "năm")])
    body, order = forms.claims(form, ["1.1", "1.2", "2.1"])
    assert order == ["1.1", "2.1"]
    assert body == [
        {"criterion_code": "1.1", "option_index": 2, "description": "", "evidence": ["doc-a", "doc-b"]},
        {"criterion_code": "2.1", "option_index": 0, "description": "tự làm", "evidence": []}]
    assert forms.whole(form, "samples") == 5
    assert forms.whole(form, "bad") == "năm", "passed on as typed: the API names the problem"
    assert forms.whole(form, "missing") is None
    assert forms.checked(FormData([("commitment", "on")]), "commitment")
    assert not forms.checked(FormData([]), "commitment")


def test_leaf_criteria_are_the_ones_with_options() -> None:
    parts = [{"criteria": [{"code": "1", "children": [{"code": "1.1", "children": []},
                                                      {"code": "1.2", "children": []}]},
                           {"code": "2", "children": []}]}]
    assert [c["code"] for c in forms.leaf_criteria(parts)] == ["1.1", "1.2", "2"]


def test_language_is_vietnamese_unless_english_is_asked_for() -> None:
    assert language_of(None, None) == "vi"
    assert language_of("en", None) == "en"
    assert language_of(None, "en") == "en"
    assert language_of("vi", "en") == "vi"
    assert language_of("fr", None) == "vi"
    t = Translator("en")
    assert t("stars.n", n=4) == "4 stars"
    assert t.label("doc_kind", "label") == "Product label"
    assert t.label("doc_kind", "new_kind") == "new_kind", "an unknown code shows as itself"


def test_the_catalogue_has_every_key_the_templates_use() -> None:
    vi = messages("vi")
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"""\bt\(["']([a-z_0-9]+\.[a-z_0-9.]+)["']""", template.read_text()))
    missing = sorted(k for k in used if k not in vi)
    assert not missing, f"templates use keys the catalogue lacks: {missing}"
    assert "Tra cứu giấy chứng nhận OCOP" in vi.values(), "Vietnamese with its diacritics"


def test_the_console_reads_a_tokens_expiry_but_never_its_roles() -> None:
    """The console renews a session before its access token expires; what a token says about
    roles is ignored (the pages ask the services' records, see session.identity_of)."""
    key = OKPKey.generate_key("Ed25519", parameters={"kid": "k"})
    soon = jwt.encode({"alg": "Ed25519", "kid": "k"}, {"sub": "a", "exp": int(time.time()) + 5,
                                                      "roles": ["province_office"]}, key, algorithms=["Ed25519"])
    later = jwt.encode({"alg": "Ed25519", "kid": "k"}, {"sub": "a", "exp": int(time.time()) + 600}, key,
                       algorithms=["Ed25519"])
    assert expired(soon) and not expired(later)
    assert expired("not-a-token") and expired(None)
    assert claims_of(later) == {"sub": "a", "exp": claims_of(later)["exp"]}  # type: ignore[index]


def test_csrf_tokens_are_bound_to_the_browser_and_signed() -> None:
    csrf = Csrf(Secret("OCOP_CONSOLE_SECRET", "a-console-secret"))
    token = csrf.token_for("browser-1")
    assert csrf.valid(token, "browser-1")
    assert not csrf.valid(token, "browser-2"), "another browser's token"
    other = Csrf(Secret("OCOP_CONSOLE_SECRET", "another-secret"))
    assert not csrf.valid(other.token_for("browser-1"), "browser-1"), "forged"
    assert not csrf.valid(token[:-2] + "xx", "browser-1"), "tampered"
    assert not csrf.valid(None, "browser-1") and not csrf.valid(token, None)


def test_the_consoles_titles_name_the_configured_province() -> None:
    ca_mau, hue = province("96"), province("46")
    assert Translator("vi", ca_mau)("app.name") == "OCOP Cà Mau"
    assert Translator("en", ca_mau)("home.title") == "One Commune One Product — Cà Mau province"
    assert Translator("vi", hue)("home.title") == "Chương trình Mỗi xã một sản phẩm — thành phố Huế"
    assert Translator("en", hue)("home.title") == "One Commune One Product — Huế City"
    assert Translator("vi", ca_mau)("nav.verify") == "Tra cứu giấy chứng nhận"  # no placeholder
