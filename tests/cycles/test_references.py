"""Case references must be pseudonymised: names, dates of birth and NHS numbers are refused with the reason."""

import pytest

from audit_app.core.errors import ValidationError
from audit_app.cycles.operations import check_references
from audit_app.cycles.references import reference_problem


@pytest.mark.parametrize("reference", [
    "FSA-26-01", "MACA 2026 007", "CIN/24/113", "SD_2025_14", "Neglect-Spring-03", "C12345", "FSA.26.1",
])  # fmt: skip
def test_pseudonymised_references_are_accepted(reference):
    assert reference_problem(reference) is None


@pytest.mark.parametrize("reference", ["Jayden Smith", "smith 12", "CASE-Olivia-2", "Mohammed 7", "Ref Patel 3"])
def test_a_name_is_refused(reference):
    assert "looks like it contains a person's name" in reference_problem(reference)


@pytest.mark.parametrize("reference", [
    "14/02/2015", "14-02-2015", "14.02.15", "4 2 2015", "2015-02-14", "2015/2/14", "14 Feb 2015", "14February2015",
    "3 march", "CASE 14/02/15",
])  # fmt: skip
def test_a_date_of_birth_is_refused_in_any_usual_format(reference):
    assert "looks like it contains a date of birth" in reference_problem(reference)


@pytest.mark.parametrize("reference", ["9434765919", "943 476 5919", "943-476-5919", "NHS 943 476 5919"])
def test_an_nhs_number_is_refused(reference):
    assert "looks like it contains an NHS number" in reference_problem(reference)


@pytest.mark.parametrize(("reference", "reason"), [
    ("CASE", "has no number in it"), ("<script>1", "is not a valid reference"), ("A" * 41, "is not a valid reference"),
    ("FSA;26", "is not a valid reference"), ("", "Enter a case reference"),
])  # fmt: skip
def test_other_problems_are_explained(reference, reason):
    assert reason in reference_problem(reference)


def test_a_sample_is_checked_as_a_whole_and_every_problem_listed():
    with pytest.raises(ValidationError) as caught:
        check_references(["FSA-26-01", " ", "Jayden Smith", "fsa-26-01", "943 476 5919", "FSA-26-02"])

    problems = caught.value.details["cases"].split("; ")
    assert [p.split("'")[1] for p in problems] == ["Jayden Smith", "fsa-26-01", "943 476 5919"]
    assert "is listed twice" in problems[1]
    assert all("FSA-26-01" in p for p in (problems[0], problems[2]))  # each says what a good reference looks like
    assert check_references([" FSA-26-01 ", "", "FSA-26-02"]) == ["FSA-26-01", "FSA-26-02"]
