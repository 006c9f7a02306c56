"""The representative's sensitive data: consent, withdrawal, erasure (plain domain rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ocop_shared.contracts.common import LegalForm
from registry.domain.errors import DomainError
from registry.domain.model import Entity
from registry.domain.personal_data import (
    PURPOSE,
    Consent,
    ConsentGiven,
    ConsentRequired,
    DataKind,
    consent_for,
    erase,
    sensitive_kinds,
)

NOW = datetime(2026, 6, 1, 8, tzinfo=UTC)


def entity(**facts: object) -> Entity:
    return Entity(id="e1", name="Cơ sở Chau Sóc Khum", legal_form=LegalForm.HOUSEHOLD,
                  registration_no="91A8012345", commune_code="30316", province_code="91",
                  address="Tri Tôn", phone="0912345678", email="khum@example.vn",
                  representative_name="Chau Sóc Khum", **facts)  # type: ignore[arg-type]


def consent(kinds: tuple[DataKind, ...] = (DataKind.ETHNICITY,)) -> Consent | None:
    return consent_for(kinds, ConsentGiven(True, "Chau Sóc Khum"), consent_id="c1",
                       entity_id="e1", recorded_by="sub-producer", now=NOW)


def test_only_a_minority_ethnicity_or_a_disability_is_sensitive_data_to_consent_to() -> None:
    assert sensitive_kinds("", False) == ()
    assert sensitive_kinds(" Kinh ", False) == (), "the default needs no consent (and is not kept)"
    assert sensitive_kinds("Khmer", False) == (DataKind.ETHNICITY,)
    assert sensitive_kinds("kinh", True) == (DataKind.DISABILITY,)
    assert sensitive_kinds("Chăm", True) == (DataKind.ETHNICITY, DataKind.DISABILITY)


def test_without_consent_sensitive_data_is_refused_naming_the_field() -> None:
    for given in (None, ConsentGiven(False, "Chau Sóc Khum"), ConsentGiven(True, "  ")):
        with pytest.raises(ConsentRequired) as refused:
            consent_for((DataKind.ETHNICITY, DataKind.DISABILITY), given, consent_id="c1",
                        entity_id="e1", recorded_by="s", now=NOW)
        assert refused.value.field == "sensitive_data_consent"
        assert "dân tộc và tình trạng khuyết tật" in refused.value.vi.lower()
        assert "nhạy cảm" in refused.value.vi and "sensitive personal data" in refused.value.en
    with pytest.raises(DomainError):
        consent_for((DataKind.ETHNICITY,), ConsentGiven(True, "Khum", NOW + timedelta(days=1)),
                    consent_id="c1", entity_id="e1", recorded_by="s", now=NOW)
    assert consent_for((), None, consent_id="c1", entity_id="e1", recorded_by="s", now=NOW) is None


def test_a_consent_records_its_purpose_kinds_giver_recorder_and_time() -> None:
    given = consent((DataKind.ETHNICITY, DataKind.DISABILITY))
    assert given is not None
    assert (given.purpose, given.data_kinds, given.given_by, given.given_at, given.recorded_by) == (
        PURPOSE, (DataKind.ETHNICITY, DataKind.DISABILITY), "Chau Sóc Khum", NOW, "sub-producer")
    assert given.active
    given.withdraw("sub-producer", NOW + timedelta(days=3))
    assert not given.active and given.withdrawn_at == NOW + timedelta(days=3)
    with pytest.raises(DomainError, match="already withdrawn"):
        given.withdraw("sub-producer", NOW + timedelta(days=4))


def test_the_priority_group_is_the_one_fact_of_criterion_3_2() -> None:
    assert not entity().representative_priority_group
    assert not entity(representative_ethnicity="Kinh").representative_priority_group
    assert entity(representative_female=True).representative_priority_group
    assert entity(representative_ethnicity="Khmer").representative_priority_group
    assert entity(representative_disabled=True).representative_priority_group


def test_erasure_erases_the_facts_consents_and_idle_contact_data_and_keeps_the_rest() -> None:
    held = entity(representative_female=True, representative_ethnicity="Khmer",
                  representative_disabled=True, version=3)
    given = consent((DataKind.ETHNICITY, DataKind.DISABILITY))
    assert given is not None
    result = erase(held, [given], in_progress=False, by="sub-office", at=NOW)
    assert (held.representative_ethnicity, held.representative_disabled,
            held.representative_female, held.phone, held.email) == ("", False, False, "", "")
    assert held.representative_name == "Chau Sóc Khum", "the legal representative stays"
    assert held.version == 4
    assert (given.given_by, given.data_kinds) == ("", ())
    assert given.withdrawn_at == NOW and given.withdrawn_by == "sub-office" and given.erased_at == NOW
    assert [n.what for n in result.erased] == ["representative_facts", "consents", "phone, email"]
    kept = {(n.what, n.holder) for n in result.kept}
    assert {("entity", "registry"), ("dossiers", "registry"), ("consents", "registry"),
            ("certificates", "certification"), ("audit", "every service")} <= kept
    assert "36" in next(n.en for n in result.kept if n.what == "certificates")


def test_contact_data_stays_while_a_dossier_is_in_progress_and_a_second_request_erases_nothing() -> None:
    held = entity(representative_ethnicity="Khmer", version=1)
    first = erase(held, [], in_progress=True, by="s", at=NOW)
    assert held.phone == "0912345678" and held.representative_ethnicity == ""
    assert "contact" in {n.what for n in first.kept}
    again = erase(held, [], in_progress=True, by="s", at=NOW)
    assert again.erased == [] and held.version == 2
