"""Setting schemas from measurement signatures: types, constraints, parsing, clear refusals."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest

from ntkcheck.claims import ClaimDefinitionError, Count, Counts, Positive, Range, Seed, SettingError
from ntkcheck.claims.schema import coerce_setting, schema_of


def measure(
    *,
    widths: Counts = (64, 256),
    seeds: Count = 3,
    seed: Seed = 0,
    lr: Positive = 0.5,
    act: Literal["relu", "abs"] = "relu",
    frac: Annotated[float, Range(gt=0, lt=1)] = 0.5,
    bias: bool = False,
) -> dict:
    return {}


FIELDS = schema_of(measure, "test.claim")


def test_fields_come_from_the_signature():
    assert list(FIELDS) == ["widths", "seeds", "seed", "lr", "act", "frac", "bias"]
    assert FIELDS["widths"].is_tuple and FIELDS["widths"].kind is int
    assert FIELDS["act"].choices == ("relu", "abs") and FIELDS["lr"].default == 0.5


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("widths", "16,64", (16, 64)),
        ("widths", "16", (16,)),
        ("seeds", "1e3", 1000),
        ("lr", "2", 2.0),
        ("act", "abs", "abs"),
        ("bias", "true", True),
        ("frac", "0.25", 0.25),
    ],
)
def test_command_line_values_parse(key, text, value):
    parsed = FIELDS[key].parse(text)
    assert parsed == value and type(parsed) is type(value)
    assert FIELDS[key].parse(FIELDS[key].format(parsed)) == parsed


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("widths", (-5,), "each element >= 1"),
        ("widths", (), "non-empty"),
        ("seeds", 0, ">= 1"),
        ("seeds", -1, ">= 1"),
        ("seeds", 2.5, "an integer"),
        ("seeds", True, "an integer"),
        ("seed", -1, ">= 0"),
        ("lr", float("nan"), "a number"),
        ("lr", 0.0, "> 0"),
        ("act", "tanh", "one of"),
        ("frac", 1.0, "< 1"),
        ("bias", 1, "true or false"),
    ],
)
def test_bad_values_are_refused_naming_the_field_value_and_default(key, value, match):
    with pytest.raises(SettingError, match=match) as info:
        FIELDS[key].coerce(value, "test.claim")
    message = str(info.value)
    assert f"`{key}`" in message and f"--set {key}=" in message


def test_bad_command_line_text_and_unknown_keys():
    with pytest.raises(SettingError, match="a tuple of int"):
        FIELDS["widths"].parse("16,abc")
    with pytest.raises(SettingError, match="valid keys"):
        coerce_setting(FIELDS, {"widht": 3}, "test.claim")


def test_a_measurement_without_a_usable_signature_is_a_definition_error():
    def positional(setting):
        return {}

    def unannotated(*, n=3):
        return {}

    def dict_typed(*, n: dict = None):  # noqa: B006
        return {}

    cases = (
        (positional, "type annotation and a default"),
        (unannotated, "type annotation"),
        (dict_typed, "use int, float"),
    )
    for fn, match in cases:
        with pytest.raises(ClaimDefinitionError, match=match):
            schema_of(fn, "test.claim")
