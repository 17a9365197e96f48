import pytest

from claimtrack.verdicts import DEFAULT_LEVELS, VerdictScale


def test_default_scale_has_six_levels_best_first():
    scale = VerdictScale.from_config(None)
    assert [lv.label for lv in scale] == ["True", "Mostly true", "Half true", "Mostly false", "False", "Pants on fire"]
    assert [lv.rating_value for lv in scale] == [6, 5, 4, 3, 2, 1]
    assert (scale.best, scale.worst) == (6, 1)


@pytest.mark.parametrize(
    "text,key",
    [("barely-true", "mostly-false"), ("pants-fire", "pants-fire"), ("PANTS ON FIRE!", "pants-fire"),
     ("Mostly True", "mostly-true"), ("half_true", "half-true"), ("false", "false"), ("  True ", "true")],
)
def test_labels_and_aliases_resolve_case_insensitively(text, key):
    assert VerdictScale(DEFAULT_LEVELS).resolve(text).key == key


@pytest.mark.parametrize("text", ["full-flop", "Misleading", "", None, "truthy"])
def test_ratings_on_no_scale_resolve_to_none(text):
    assert VerdictScale(DEFAULT_LEVELS).resolve(text) is None


def test_configured_scale():
    scale = VerdictScale.from_config(
        [{"key": "correct", "label": "Correct", "rating_value": 3},
         {"key": "misleading", "label": "Misleading", "rating_value": 2, "aliases": ["missing context"]},
         {"key": "wrong", "label": "Wrong", "rating_value": 1}]
    )
    assert scale.resolve("missing context").key == "misleading"
    assert scale.choices()[0] == ("correct", "Correct")
    assert scale.get("wrong").css_class == "v-wrong"


def test_a_label_naming_two_levels_is_refused():
    with pytest.raises(ValueError):
        VerdictScale.from_config(
            [{"key": "a", "label": "Same", "rating_value": 2}, {"key": "b", "label": "same", "rating_value": 1}]
        )
