"""The configuration file: the SCENARIOS.md example loads, every bad key is named."""

from __future__ import annotations

import copy
from decimal import Decimal

import pydantic
import pytest
import yaml

from workers.domain.configuration import (
    SINGLETON_ID,
    Configuration,
    ConfigurationError,
    entities,
    entity_changes,
    from_entities,
    load_configuration,
    merge_change,
)

# Verbatim from SCENARIOS.md (note the unquoted `country: NO`, which YAML 1.1 reads as false).
SCENARIO_CONFIG = """
company: "100"
reminder_rules:
  CR1: {reminders_required: 2}
partners:
  INTRUM: {name: Intrum Norge, transport: rest, reminder_rules: [CR1], min_days_overdue: 14,
           min_amount: "30.00", settlement_functions: [AB10-900]}
divisions:
  "001": {name: Test Firma 1 AS, partner: INTRUM, partner_customer_no: K84307, paused: false,
          country: NO, currency: NOK, vat_rate: "25"}
fam_functions:
  AB10-001: {name: Bank update ABS100, transfer: true}
  AB10-900: {name: Payments Intrum, transfer: false}
blocking_collection_codes: [3]
rounding_tolerance: "0.05"
accounts:
  "*": {clearing: "2902", receivable: "1500", interest: "8055", input_vat: "2710",
        vat_base: "9000", vat_base_offset: "9001", kickback: "3900", commission: "7790",
        rounding: "7795", other: "7799"}
"""


@pytest.fixture
def raw() -> dict:
    return yaml.safe_load(SCENARIO_CONFIG)


def test_the_scenario_example_loads(raw):
    cfg = load_configuration(raw)
    assert cfg.company == "100"
    assert cfg.reminder_rules["CR1"].reminders_required == 2
    intrum = cfg.partners["INTRUM"]
    assert intrum.transport == "rest"
    assert intrum.reminder_rules == ("CR1",)
    assert intrum.min_amount == Decimal("30.00")
    assert intrum.automatic_update is True
    division = cfg.divisions["001"]
    assert (division.country, division.currency, division.vat_rate) == ("NO", "NOK", Decimal("25"))
    assert division.paused is False
    assert cfg.fam_functions["AB10-900"].transfer is False
    assert cfg.blocking_collection_codes == (3,)
    assert cfg.rounding_tolerance == Decimal("0.05")
    assert cfg.accounts_for("001").clearing == "2902"


def test_defaults_when_omitted(raw):
    for key in ("blocking_collection_codes", "rounding_tolerance"):
        del raw[key]
    del raw["divisions"]["001"]["paused"]
    cfg = load_configuration(raw)
    assert cfg.blocking_collection_codes == (3,)
    assert cfg.rounding_tolerance == Decimal("0.05")
    assert cfg.divisions["001"].paused is False


def test_the_configuration_is_frozen(raw):
    cfg = load_configuration(raw)
    with pytest.raises(pydantic.ValidationError):
        cfg.company = "200"  # type: ignore[misc]


def test_money_from_int_string_or_decimal_is_quantized(raw):
    for value in (30, "30", Decimal("30.0"), " 30.00 "):
        raw["partners"]["INTRUM"]["min_amount"] = value
        amount = load_configuration(raw).partners["INTRUM"].min_amount
        assert amount == Decimal("30.00") and amount.as_tuple().exponent == -2


def test_min_days_overdue_private_and_business(raw):
    raw["partners"]["INTRUM"]["min_days_overdue"] = {"private": 14, "business": 10}
    cfg = load_configuration(raw)
    assert cfg.min_days_for("INTRUM", private=True) == 14
    assert cfg.min_days_for("INTRUM", private=False) == 10


def test_min_days_overdue_one_number_for_both(raw):
    cfg = load_configuration(raw)
    assert cfg.min_days_for("INTRUM", private=True) == cfg.min_days_for("INTRUM", private=False) == 14


def test_division_specific_accounts_else_default(raw):
    special = dict(raw["accounts"]["*"], clearing="2903")
    raw["divisions"]["002"] = dict(raw["divisions"]["001"], name="Firma 2")
    raw["accounts"]["002"] = special
    cfg = load_configuration(raw)
    assert cfg.accounts_for("002").clearing == "2903"
    assert cfg.accounts_for("001").clearing == "2902"
    assert cfg.accounts_for("unknown").clearing == "2902"


def test_credential_references_are_environment_variable_names(raw):
    raw["partners"]["INTRUM"].update(
        endpoint_env="INTRUM_API_URL", credentials_env="INTRUM_CREDENTIALS", webhook_secret_env="X_1"
    )
    assert load_configuration(raw).partners["INTRUM"].credentials_env == "INTRUM_CREDENTIALS"


def test_status_mapping_to_canonical_statuses(raw):
    raw["partners"]["INTRUM"]["status_mapping"] = {"INK": "collection", "AVSLUTTET": "closed_settled"}
    assert load_configuration(raw).partners["INTRUM"].status_mapping["INK"] == "collection"


def _set(path: str, value):
    """A change that sets one dotted key (no dots inside keys in these cases)."""
    change: dict = {}
    node = change
    *parents, last = path.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return lambda raw: merge_change(raw, change)


def _delete(path: str):
    def mutate(raw):
        data = copy.deepcopy(raw)
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        del node[last]
        return data

    return mutate


def bad(case_id: str, key: str, value, hint: str, path: str | None = None):
    """Setting `key` to `value` must fail, naming `path` (default: the key itself)."""
    return pytest.param(_set(key, value), path or key, hint, id=case_id)


P = "partners.INTRUM"
D1 = "divisions.001"
BAD = [
    bad("top-level typo", "companyy", "1", "unknown key"),
    pytest.param(_delete("company"), "company", "required", id="company missing"),
    bad("company as number", "company", 100, 'quote it, e.g. "100"'),
    bad("company with a slash", "company", "100/2", "without spaces"),
    bad("division id with a space", "divisions.0 1", {}, "without spaces", "divisions.0 1"),
    bad("partner key typo", f"{P}.min_ammount", "1.00", "unknown key"),
    bad("money as float", f"{P}.min_amount", 30.5, "quoted string"),
    bad("money as text", f"{P}.min_amount", "thirty", "not a decimal"),
    bad("money negative", f"{P}.min_amount", "-1.00", "greater than or equal"),
    bad("money three decimals", f"{P}.min_amount", "30.005", "two decimals"),
    bad("money boolean", f"{P}.min_amount", True, "got true"),
    bad("money infinite", f"{P}.min_amount", "Infinity", "finite"),
    bad("transport", f"{P}.transport", "soap", "'rest' or 'file'"),
    bad("partner name empty", f"{P}.name", "", "at least 1"),
    bad("six reminder rules", f"{P}.reminder_rules", ["CR1"] * 6, "at most 5"),
    bad("unknown reminder rule", f"{P}.reminder_rules", ["CR1", "CR9"], "CR9",
        f"{P}.reminder_rules[1]"),
    bad("min days negative", f"{P}.min_days_overdue", -1, "greater than or equal"),
    bad("min days as text", f"{P}.min_days_overdue", "14", "integer"),
    bad("min days as float", f"{P}.min_days_overdue", 14.0, "integer"),
    bad("min days split missing", f"{P}.min_days_overdue", {"private": 14}, "required",
        f"{P}.min_days_overdue.business"),
    bad("min days split extra", f"{P}.min_days_overdue", {"private": 1, "business": 1, "x": 1},
        "unknown key", f"{P}.min_days_overdue.x"),
    bad("min days split negative", f"{P}.min_days_overdue", {"private": -1, "business": 10},
        "greater than or equal", f"{P}.min_days_overdue.private"),
    bad("settlement function transfers", f"{P}.settlement_functions", ["AB10-001"],
        "transfer: true", f"{P}.settlement_functions[0]"),
    bad("settlement function unknown", f"{P}.settlement_functions", ["AB10-900", "AB10-999"],
        "unknown FAM function", f"{P}.settlement_functions[1]"),
    bad("settlement function malformed", f"{P}.settlement_functions", ["AB10"], "FEID-FNCN",
        f"{P}.settlement_functions[0]"),
    bad("status mapping target", f"{P}.status_mapping", {"INK": "inkasso"}, "'collection'",
        f"{P}.status_mapping.INK"),
    bad("automatic update as text", f"{P}.automatic_update", "yes", "boolean"),
    bad("endpoint is a url", f"{P}.endpoint_env", "https://api.intrum.example", "NAME of"),
    bad("credentials are a secret", f"{P}.credentials_env", "s3cr3t!", "never the endpoint"),
    bad("partner not a mapping", P, "Intrum", "mapping"),
    bad("division partner unknown", f"{D1}.partner", "SVEA", "unknown partner 'SVEA'"),
    bad("division key typo", f"{D1}.pasued", True, "unknown key"),
    bad("division paused as text", f"{D1}.paused", "no", "boolean"),
    bad("country three letters", f"{D1}.country", "NOR", "pattern"),
    bad("country lower case", f"{D1}.country", "se", "pattern"),
    bad("currency", f"{D1}.currency", "kr", "pattern"),
    bad("vat rate float", f"{D1}.vat_rate", 25.0, "quoted string"),
    bad("vat rate above 100", f"{D1}.vat_rate", "125", "less than or equal"),
    bad("vat rate text", f"{D1}.vat_rate", "high", "not a decimal"),
    pytest.param(_delete(f"{D1}.partner_customer_no"), f"{D1}.partner_customer_no", "required",
                 id="customer number missing"),
    bad("fam function key malformed", "fam_functions.AB10", {"name": "x", "transfer": False},
        "FEID-FNCN"),
    bad("fam function transfer missing", "fam_functions.AB10-002", {"name": "x"}, "required",
        "fam_functions.AB10-002.transfer"),
    bad("fam function extra", "fam_functions.AB10-001.currency", "NOK", "unknown key"),
    bad("reminders negative", "reminder_rules.CR1.reminders_required", -1, "greater than"),
    bad("reminders as text", "reminder_rules.CR1.reminders_required", "2", "integer"),
    bad("reminder rule extra", "reminder_rules.CR1.days", 3, "unknown key"),
    bad("collection code zero", "blocking_collection_codes", [3, 0], "greater than or equal",
        "blocking_collection_codes[1]"),
    bad("collection code text", "blocking_collection_codes", ["3"], "integer",
        "blocking_collection_codes[0]"),
    bad("tolerance float", "rounding_tolerance", 0.05, "quoted string"),
    bad("tolerance negative", "rounding_tolerance", "-0.01", "greater than or equal"),
    bad("account as number", "accounts.*.clearing", 2902, 'quote it, e.g. "2902"'),
    pytest.param(_delete("accounts.*.rounding"), "accounts.*.rounding", "required",
                 id="account missing"),
    bad("account key typo", "accounts.*.clearng", "2902", "unknown key"),
    bad("incomplete division accounts", "accounts.999", {"clearing": "1"}, "required",
        "accounts.999.receivable"),
    pytest.param(lambda raw: {**raw, "accounts": {}}, "accounts", '"*"', id="no default accounts"),
]


@pytest.mark.parametrize(("mutate", "path", "hint"), BAD)
def test_bad_values_are_rejected_naming_the_dotted_key(raw, mutate, path, hint):
    with pytest.raises(ConfigurationError) as caught:
        load_configuration(mutate(raw))
    message = str(caught.value)
    assert f"{path}: " in message
    assert hint in message
    assert any(p.path == path for p in caught.value.problems)


def test_unquoted_division_key_is_named(raw):
    raw["divisions"] = {1: raw["divisions"]["001"]}
    with pytest.raises(ConfigurationError, match=r"divisions\.1: key 1 must be text"):
        load_configuration(raw)


def test_accounts_for_a_division_that_does_not_exist(raw):
    raw["accounts"]["999"] = raw["accounts"]["*"]
    with pytest.raises(ConfigurationError, match=r"accounts\.999: '999' is neither"):
        load_configuration(raw)


def test_every_problem_is_reported_at_once(raw):
    raw["partners"]["INTRUM"]["min_amount"] = 30.5
    raw["divisions"]["001"]["currency"] = "kr"
    with pytest.raises(ConfigurationError) as caught:
        load_configuration(raw)
    assert {p.path for p in caught.value.problems} == {
        "partners.INTRUM.min_amount",
        "divisions.001.currency",
    }


def test_not_a_mapping():
    with pytest.raises(ConfigurationError, match="mapping"):
        load_configuration(["company"])  # type: ignore[arg-type]


def test_merge_change_merges_mappings_and_replaces_the_rest():
    base = {"a": {"b": 1, "c": {"d": 2}}, "rules": ["CR1"], "x": 1}
    change = {"a": {"c": {"e": 3}}, "rules": ["CR2"], "y": 2}
    merged = merge_change(base, change)
    assert merged == {"a": {"b": 1, "c": {"d": 2, "e": 3}}, "rules": ["CR2"], "x": 1, "y": 2}
    assert base == {"a": {"b": 1, "c": {"d": 2}}, "rules": ["CR1"], "x": 1}


def test_merge_change_pauses_a_division(raw):
    cfg = load_configuration(merge_change(raw, {"divisions": {"001": {"paused": True}}}))
    assert cfg.divisions["001"].paused is True
    assert cfg.divisions["001"].partner_customer_no == "K84307"


def test_merge_change_replaces_a_scalar_with_a_mapping():
    assert merge_change({"m": 14}, {"m": {"private": 14}}) == {"m": {"private": 14}}


def test_entities_one_record_per_entity(raw):
    records = entities(load_configuration(raw))
    assert set(records) == {
        ("company", SINGLETON_ID),
        ("collection_codes", SINGLETON_ID),
        ("rounding_tolerance", SINGLETON_ID),
        ("reminder_rule", "CR1"),
        ("partner", "INTRUM"),
        ("division", "001"),
        ("fam_function", "AB10-001"),
        ("fam_function", "AB10-900"),
        ("accounts", "*"),
    }
    assert records[("partner", "INTRUM")]["min_amount"] == "30.00"
    assert records[("division", "001")]["vat_rate"] == "25"


@pytest.mark.parametrize("min_days", [14, {"private": 14, "business": 10}])
def test_entities_round_trip(raw, min_days):
    raw["partners"]["INTRUM"]["min_days_overdue"] = min_days
    raw["partners"]["INTRUM"]["status_mapping"] = {"INK": "collection"}
    cfg = load_configuration(raw)
    assert from_entities(entities(cfg)) == cfg
    assert entities(from_entities(entities(cfg))) == entities(cfg)


def test_from_entities_revalidates(raw):
    records = entities(load_configuration(raw))
    records[("division", "001")] = dict(records[("division", "001")], partner="SVEA")
    with pytest.raises(ConfigurationError, match=r"divisions\.001\.partner"):
        from_entities(records)


def test_from_entities_rejects_an_unknown_kind(raw):
    records = entities(load_configuration(raw))
    records[("statute", "x")] = {}
    with pytest.raises(ConfigurationError, match="statute/x: unknown entity kind"):
        from_entities(records)


def test_entity_changes_writes_changes_and_tombstones(raw):
    before = load_configuration(raw)
    after_raw = merge_change(raw, {"divisions": {"001": {"paused": True}}})
    del after_raw["fam_functions"]["AB10-001"]
    after = load_configuration(after_raw)
    changes = entity_changes(before, after)
    assert changes == {
        ("division", "001"): entities(after)[("division", "001")],
        ("fam_function", "AB10-001"): None,
    }
    assert entity_changes(None, before) == entities(before)


def test_configuration_constructed_directly_is_cross_checked(raw):
    raw["divisions"]["001"]["partner"] = "SVEA"
    with pytest.raises(pydantic.ValidationError):
        Configuration.model_validate(raw)
