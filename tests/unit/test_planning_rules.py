"""Planning rules as pure code: one reason per person, in a fixed order."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest

from campaigns.planning import LETTER, PersonFacts, Scope, classify, priority_order, segment
from campaigns.policy import TOKYO

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)
OWES = PersonFacts(
    person_id=uuid4(), owed=30_000, oldest_due=date(2026, 8, 31), tax_types=("resident",),
    owes_current_year=True, owes_past_years=False, delinquency_category="現年",
    no_call_category=None, do_not_call=False, missing=False, handed_to_staff=False,
    active_plan=False, last_contact=None, prior_contacts=0, has_phone=True, auto_debit=False,
)


def test_a_plain_delinquent_is_called() -> None:
    assert classify(OWES, Scope(), NOW) is None


@pytest.mark.parametrize(
    ("change", "scope", "reason"),
    [
        ({"missing": True}, Scope(), "missing_from_export"),
        ({"no_call_category": "deceased"}, Scope(), "no_call_deceased"),
        ({"do_not_call": True}, Scope(), "do_not_call"),
        ({"owed": 0}, Scope(), "settled"),
        ({"handed_to_staff": True}, Scope(), "handed_to_staff"),
        ({"active_plan": True}, Scope(), "installment_plan"),
        ({}, Scope(delinquency_categories=("過年",)), "category_out_of_scope"),
        ({}, Scope(min_owed=50_000), "amount_out_of_band"),
        ({}, Scope(max_owed=10_000), "amount_out_of_band"),
        ({"oldest_due": date(2026, 11, 26)}, Scope(), "not_yet_past_due"),
        ({}, Scope(auto_debit=True), "auto_debit_out_of_scope"),
        ({"last_contact": NOW - timedelta(days=3)}, Scope(), "contacted_recently"),
        ({"has_phone": False}, Scope(), LETTER),
        # The first rule that applies wins: a deceased person with no phone gets no letter.
        ({"no_call_category": "deceased", "has_phone": False}, Scope(), "no_call_deceased"),
    ],
)
def test_each_rule(change: dict[str, object], scope: Scope, reason: str) -> None:
    assert classify(replace(OWES, **change), scope, NOW) == reason  # type: ignore[arg-type]


def test_contact_a_week_ago_no_longer_excludes() -> None:
    assert classify(replace(OWES, last_contact=NOW - timedelta(days=7)), Scope(), NOW) is None


def test_segments_and_priority_order() -> None:
    big = replace(OWES, person_id=uuid4(), owed=90_000)
    old = replace(OWES, person_id=uuid4(), oldest_due=date(2025, 6, 30), owes_past_years=True,
                  tax_types=("light_vehicle", "resident"))
    contacted = replace(OWES, person_id=uuid4(), prior_contacts=4)
    order = priority_order([contacted, OWES, old, big], NOW)
    assert [p.person_id for p in order] == [
        big.person_id, old.person_id, OWES.person_id, contacted.person_id
    ]
    assert segment(old) == "light_vehicle+resident/current+past"
    assert segment(OWES) == "resident/current"


def test_the_supervisor_can_put_the_age_of_debt_first() -> None:
    big_recent = replace(OWES, person_id=uuid4(), owed=90_000, oldest_due=date(2026, 10, 31))
    small_old = replace(OWES, person_id=uuid4(), owed=5_000, oldest_due=date(2024, 6, 30))
    assert priority_order([small_old, big_recent], NOW) == [big_recent, small_old]
    assert priority_order([big_recent, small_old], NOW, ("age", "owed")) == [
        small_old, big_recent]
