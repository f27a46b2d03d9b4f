from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ducha.ratings.scoring import score


def test_the_score_is_the_mean_rounded_half_up_to_one_decimal():
    # (100 + 80 + 80 + 0) / 4 = 65.0
    [a] = score([("A", "horse"), ("A", "ox"), ("A", "ox"), ("A", "snail")])
    assert a.score == Decimal("65.0")
    # (80 * 3 + 50 * 3 + 0 * 2) / 8 = 48.75, which rounds half up to 48.8
    [b] = score([("B", "ox")] * 3 + [("B", "ostrich")] * 3 + [("B", "snail")] * 2)
    assert b.score == Decimal("48.8")


def test_null_ratings_do_not_count():
    [a] = score([("A", "ox"), ("A", None)])
    assert (a.score, a.rated) == (Decimal("80.0"), 1)


def test_ties_break_on_horses_then_snails_then_name_and_equal_units_share_a_rank():
    rows = [("乙", "horse"), ("乙", "ostrich"), ("乙", "ostrich"), ("乙", "snail")]  # 50.0, 1 horse
    rows += [("甲", "ox"), ("甲", "ox"), ("甲", "snail"), ("甲", "ostrich")]  # 52.5
    rows += [("丙", "horse"), ("丙", "snail")]  # 50.0, 1 horse, 1 snail
    rows += [("丁", "ostrich")]  # 50.0, no horse
    rows += [("戊", "horse"), ("戊", "snail")]  # same as 丙
    result = score(rows)
    assert [(s.name, s.rank) for s in result] == [
        ("甲", 1),
        ("丙", 2),
        ("乙", 2),
        ("戊", 2),
        ("丁", 5),
    ]


def test_points_are_configurable():
    [a] = score([("A", "horse"), ("A", "snail")], {"horse": 10, "ox": 8, "ostrich": 5, "snail": 1})
    assert a.score == Decimal("5.5")


def test_an_unknown_rating_is_an_error():
    with pytest.raises(ValueError, match="unknown rating"):
        score([("A", "tiger")])


PAIRS = st.lists(
    st.tuples(st.sampled_from("ABCDE"), st.sampled_from(["horse", "ox", "ostrich", "snail", None]))
)


@given(PAIRS)
def test_ranks_count_the_strictly_better_units(pairs):
    result = score(pairs)
    for s in result:
        better = [o for o in result if (o.score, o.horse, -o.snail) > (s.score, s.horse, -s.snail)]
        assert s.rank == 1 + len(better)
        assert Decimal(0) <= s.score <= Decimal(100)


@given(PAIRS)
def test_the_order_of_task_months_does_not_matter(pairs):
    assert score(pairs) == score(list(reversed(pairs)))
