"""Grading of every question type, with its edge cases (pure functions on snapshots)."""
import random

import pytest

from assessments.grading import (
    ResponseError, correct_answer_text, grade, normalise_text, public_view, response_clean, spec_from_question,
)
from tests.assessments.factories import question_create

pytestmark = pytest.mark.django_db


def spec_of(question, shuffle=False, seed=1):
    return spec_from_question(question, rng=random.Random(seed), shuffle_choices=shuffle)


def key_of(spec, text):
    return next(o["key"] for o in spec["options"] if o["text"] == text)


def score(spec, raw):
    return grade(spec, response_clean(spec, raw))


class TestSingleChoice:
    def test_it_gives_full_credit_for_the_right_choice_and_none_otherwise(self):
        spec = spec_of(question_create("single"))
        assert score(spec, {"choice": key_of(spec, "Paris")}) == 1.0
        assert score(spec, {"choice": key_of(spec, "Lyon")}) == 0.0

    def test_an_empty_answer_earns_nothing(self):
        spec = spec_of(question_create("single"))
        assert response_clean(spec, {"choice": ""}) is None
        assert grade(spec, None) == 0.0

    def test_it_rejects_a_choice_that_is_not_offered(self):
        spec = spec_of(question_create("single"))
        with pytest.raises(ResponseError):
            response_clean(spec, {"choice": "z"})

    def test_shuffled_keys_follow_the_shown_order_and_still_grade_right(self):
        question = question_create("single")
        for seed in range(5):
            spec = spec_of(question, shuffle=True, seed=seed)
            assert [o["key"] for o in spec["options"]] == ["a", "b", "c"]
            assert score(spec, {"choice": key_of(spec, "Paris")}) == 1.0


class TestMultipleChoice:
    def test_all_or_nothing_without_partial_credit(self):
        spec = spec_of(question_create("multiple"))
        smtp, imap, dhcp = key_of(spec, "SMTP"), key_of(spec, "IMAP"), key_of(spec, "DHCP")
        assert score(spec, {"choices": [smtp, imap]}) == 1.0
        assert score(spec, {"choices": [smtp]}) == 0.0
        assert score(spec, {"choices": [smtp, imap, dhcp]}) == 0.0

    def test_partial_credit_counts_right_minus_wrong_and_never_goes_below_zero(self):
        spec = spec_of(question_create("multiple", partial_credit=True))
        smtp, imap = key_of(spec, "SMTP"), key_of(spec, "IMAP")
        dhcp, arp = key_of(spec, "DHCP"), key_of(spec, "ARP")
        assert score(spec, {"choices": [smtp]}) == 0.5
        assert score(spec, {"choices": [smtp, dhcp]}) == 0.0
        assert score(spec, {"choices": [dhcp, arp]}) == 0.0
        assert score(spec, {"choices": [smtp, imap]}) == 1.0

    def test_it_rejects_repeated_or_unknown_choices_and_non_lists(self):
        spec = spec_of(question_create("multiple"))
        for raw in ({"choices": ["a", "a"]}, {"choices": ["a", "q"]}, {"choices": "a"}, {"choices": [1]}):
            with pytest.raises(ResponseError):
                response_clean(spec, raw)

    def test_ticking_nothing_is_no_answer(self):
        spec = spec_of(question_create("multiple"))
        assert response_clean(spec, {"choices": []}) is None


class TestTrueFalse:
    def test_it_grades_booleans_and_accepts_form_strings(self):
        spec = spec_of(question_create("true_false"))
        assert score(spec, {"value": True}) == 1.0
        assert score(spec, {"value": "true"}) == 1.0
        assert score(spec, {"value": False}) == 0.0
        assert score(spec, {"value": "false"}) == 0.0

    def test_it_rejects_anything_else(self):
        spec = spec_of(question_create("true_false"))
        for raw in ({"value": 1}, {"value": "oui"}, {"value": [True]}):
            with pytest.raises(ResponseError):
                response_clean(spec, raw)


class TestNumeric:
    def test_it_accepts_values_within_the_tolerance_inclusive(self):
        spec = spec_of(question_create("numeric"))
        assert score(spec, {"value": "42"}) == 1.0
        assert score(spec, {"value": "42.5"}) == 1.0
        assert score(spec, {"value": "41,5"}) == 1.0  # French decimal comma
        assert score(spec, {"value": 41.5}) == 1.0
        assert score(spec, {"value": "42.5000001"}) == 0.0
        assert score(spec, {"value": "41.49"}) == 0.0

    def test_decimal_arithmetic_has_no_float_rounding_surprise(self):
        from decimal import Decimal

        spec = spec_of(question_create("numeric", numeric_answer=Decimal("0.3"), numeric_tolerance=Decimal("0")))
        assert score(spec, {"value": 0.1 + 0.2 if False else "0.30"}) == 1.0
        assert score(spec, {"value": "0.3000001"}) == 0.0

    def test_it_rejects_what_is_not_a_finite_number(self):
        spec = spec_of(question_create("numeric"))
        for raw in ({"value": "quarante"}, {"value": "NaN"}, {"value": "Infinity"}, {"value": True}, {"value": []}):
            with pytest.raises(ResponseError):
                response_clean(spec, raw)

    def test_blank_is_no_answer(self):
        spec = spec_of(question_create("numeric"))
        assert response_clean(spec, {"value": "  "}) is None


class TestShortText:
    def test_normalised_ignores_case_accents_and_spaces(self):
        spec = spec_of(question_create("short_text"))
        assert score(spec, {"text": "  GPUpdate   /FORCE "}) == 1.0
        assert score(spec, {"text": "gpupdate"}) == 0.0
        assert normalise_text("Élément  Réseau") == "element reseau"

    def test_exact_is_exact_apart_from_surrounding_spaces(self):
        spec = spec_of(question_create("short_text", text_match="exact"))
        assert score(spec, {"text": "gpupdate /force "}) == 1.0
        assert score(spec, {"text": "GPUPDATE /force"}) == 0.0

    def test_pattern_must_match_the_whole_answer(self):
        question = question_create("short_text", text_match="pattern", rows=[(r"gpupdate\s+/force(\s+/boot)?", True, "")])
        spec = spec_of(question)
        assert score(spec, {"text": "gpupdate  /force /boot"}) == 1.0
        assert score(spec, {"text": "GPUPDATE /FORCE"}) == 1.0
        assert score(spec, {"text": "run gpupdate /force now"}) == 0.0

    def test_any_accepted_answer_counts(self):
        question = question_create("short_text", rows=[("DNS", True, ""), ("Domain Name System", True, "")])
        spec = spec_of(question)
        assert score(spec, {"text": "domain name system"}) == 1.0

    def test_it_rejects_over_long_or_non_text_answers(self):
        spec = spec_of(question_create("short_text"))
        with pytest.raises(ResponseError):
            response_clean(spec, {"text": "x" * 501})
        with pytest.raises(ResponseError):
            response_clean(spec, {"text": 12})


class TestOrdering:
    def test_items_are_never_shown_in_the_correct_order(self):
        question = question_create("ordering")
        for seed in range(10):
            spec = spec_of(question, seed=seed)
            assert [i["text"] for i in spec["items"]] != ["un", "deux", "trois"]

    def test_the_right_order_earns_full_credit_and_partial_credit_counts_places(self):
        spec = spec_of(question_create("ordering", partial_credit=True))
        right = spec["correct_order"]
        assert score(spec, {"order": right}) == 1.0
        swapped = [right[1], right[0], right[2]]
        assert score(spec, {"order": swapped}) == pytest.approx(1 / 3)
        strict = spec_of(question_create("ordering"))
        order = strict["correct_order"]
        assert score(strict, {"order": [order[1], order[0], order[2]]}) == 0.0

    def test_it_rejects_an_order_that_is_not_a_permutation(self):
        spec = spec_of(question_create("ordering"))
        keys = spec["correct_order"]
        for raw in ({"order": keys[:2]}, {"order": [keys[0]] * 3}, {"order": keys + ["z"]}, {"order": "abc"}):
            with pytest.raises(ResponseError):
                response_clean(spec, raw)


class TestMatching:
    def test_all_pairs_right_earn_full_credit(self):
        spec = spec_of(question_create("matching"))
        assert score(spec, {"pairs": spec["pairs"]}) == 1.0

    def test_partial_credit_counts_right_pairs_and_missing_pairs_count_wrong(self):
        spec = spec_of(question_create("matching", partial_credit=True))
        pairs = dict(spec["pairs"])
        first = next(iter(pairs))
        assert score(spec, {"pairs": {first: pairs[first]}}) == pytest.approx(1 / 3)
        strict = spec_of(question_create("matching"))
        one = next(iter(strict["pairs"]))
        assert score(strict, {"pairs": {one: strict["pairs"][one]}}) == 0.0

    def test_the_right_column_is_never_in_the_pairing_order(self):
        question = question_create("matching")
        for seed in range(10):
            spec = spec_of(question, seed=seed)
            assert [spec["pairs"][item["key"]] for item in spec["left"]] != [r["key"] for r in spec["right"]]

    def test_it_rejects_unknown_terms(self):
        spec = spec_of(question_create("matching"))
        with pytest.raises(ResponseError):
            response_clean(spec, {"pairs": {"zz": "1"}})
        with pytest.raises(ResponseError):
            response_clean(spec, {"pairs": {"a": "99"}})
        with pytest.raises(ResponseError):
            response_clean(spec, {"pairs": ["a", "1"]})


def test_it_rejects_a_response_that_is_not_an_object():
    spec = spec_of(question_create("single"))
    for raw in ("a", 3, ["a"]):
        with pytest.raises(ResponseError):
            response_clean(spec, raw)


@pytest.mark.parametrize("qtype", ["single", "multiple", "true_false", "numeric", "short_text", "ordering", "matching"])
def test_the_public_view_tells_nothing_of_the_answer(qtype):
    spec = spec_of(question_create(qtype))
    view = public_view(spec)
    text = repr(view)
    assert "correct" not in text and "accepted" not in text and "pairs" not in text and "answer" not in text
    if qtype == "short_text":
        assert "gpupdate" not in text
    if qtype == "numeric":
        assert "42" not in text
    assert correct_answer_text(spec)  # the correction exists, for after grading
