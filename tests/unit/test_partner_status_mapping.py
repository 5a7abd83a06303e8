"""Raw partner status → canonical, the case-number index and where secrets are read from."""

from __future__ import annotations

import json

import pytest

from sandbox.partner.vocabulary import RAW_BY_CANONICAL
from workers.adapters.partner import (
    CANONICAL_STATUSES,
    CaseIndexConflict,
    InMemoryCaseIndex,
    MissingSecret,
    SecretRef,
    StatusMapping,
    UnmappedStatusError,
)


def test_default_mapping_understands_every_sandbox_word():
    mapping = StatusMapping(partner="INTRUM")
    for canonical, raw in RAW_BY_CANONICAL.items():
        assert mapping.to_canonical(raw) == canonical
    assert set(RAW_BY_CANONICAL) == CANONICAL_STATUSES


def test_mapping_ignores_case_and_whitespace():
    assert StatusMapping().to_canonical(" inkasso ") == "collection"


def test_unmapped_status_is_a_clear_error():
    with pytest.raises(UnmappedStatusError) as caught:
        StatusMapping(partner="SVEA").to_canonical("OVERVAAKING")
    assert caught.value.raw_status == "OVERVAAKING" and caught.value.partner == "SVEA"
    assert "SVEA" in str(caught.value) and "status_mapping" in str(caught.value)
    assert StatusMapping().try_canonical("OVERVAAKING") is None
    assert "OVERVAAKING" not in StatusMapping()


def test_partner_specific_mapping_replaces_the_default():
    mapping = StatusMapping({"Collection": "collection"}, partner="SVEA")
    assert mapping.to_canonical("COLLECTION") == "collection"
    with pytest.raises(UnmappedStatusError):
        mapping.to_canonical("INKASSO")


def test_overrides_extend_the_default():
    mapping = StatusMapping.default_with({"OVERVAAKING": "closed_unsettled"})
    assert mapping.to_canonical("OVERVAAKING") == "closed_unsettled"
    assert mapping.to_canonical("INKASSO") == "collection"


def test_mapping_to_an_unknown_canonical_status_is_refused():
    with pytest.raises(ValueError, match="unknown canonical"):
        StatusMapping({"INKASSO": "in_collection"})


def test_case_index_remembers_and_resolves_per_partner():
    index = InMemoryCaseIndex()
    assert index.remember("INTRUM", "13563917", "100/001/252005046/2025")
    assert not index.remember("INTRUM", "13563917", "100/001/252005046/2025")
    assert index.resolve("INTRUM", "13563917") == "100/001/252005046/2025"
    assert index.resolve("SVEA", "13563917") is None


def test_case_index_refuses_to_rebind_a_case_number():
    index = InMemoryCaseIndex()
    index.remember("INTRUM", "1", "100/001/1/2025")
    with pytest.raises(CaseIndexConflict):
        index.remember("INTRUM", "1", "100/001/2/2025")


def test_secret_from_env(monkeypatch):
    monkeypatch.setenv("PARTNER_KEY", "abc")
    assert SecretRef(env="PARTNER_KEY").reveal() == "abc"
    monkeypatch.delenv("PARTNER_KEY")
    with pytest.raises(MissingSecret, match="PARTNER_KEY"):
        SecretRef(env="PARTNER_KEY").reveal()


def test_secret_from_plain_and_json_files(tmp_path):
    plain = tmp_path / "key"
    plain.write_text("s3cret\n")
    assert SecretRef(file=plain).reveal() == "s3cret"
    shared = tmp_path / "secrets.json"
    shared.write_text(json.dumps({"INTRUM": {"client_secret": "cs"}}))
    assert SecretRef(file=shared, key="INTRUM.client_secret").reveal() == "cs"
    with pytest.raises(MissingSecret, match="SVEA.client_secret"):
        SecretRef(file=shared, key="SVEA.client_secret").reveal()
    with pytest.raises(MissingSecret):
        SecretRef(file=tmp_path / "absent").reveal()


def test_secret_ref_never_shows_the_value(monkeypatch):
    monkeypatch.setenv("PARTNER_KEY", "very-secret-value")
    assert "very-secret-value" not in repr(SecretRef(env="PARTNER_KEY"))
    with pytest.raises(ValueError):
        SecretRef()


def test_auth_is_built_from_the_configured_method():
    from workers.adapters.partner import ApiKeyAuth, ClientCredentialsAuth, make_auth

    secret = SecretRef(env="WHATEVER")
    assert isinstance(make_auth("api_key", secret), ApiKeyAuth)
    built = make_auth("client_credentials", secret, client_id="c", token_url="https://p/oauth/token")
    assert isinstance(built, ClientCredentialsAuth)
    with pytest.raises(ValueError):
        make_auth("client_credentials", secret)
    with pytest.raises(ValueError):
        make_auth("basic", secret)
