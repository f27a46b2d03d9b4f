"""The shared samples: every month of 2021 and the 2021 scores equal expected.json."""

import json

from django.core.management import call_command


def _json(capsys, *args):
    capsys.readouterr()
    call_command(*args)
    return json.loads(capsys.readouterr().out)


def test_rate_json_for_every_month_of_2021_equals_expected(sample_ledger, samples, capsys):
    expected = json.loads((samples / "expected.json").read_text())["ratings"]
    assert len(expected) == 12
    for month, ratings in expected.items():
        out = _json(capsys, "rate", "--month", month, "--format", "json")
        assert out["month"] == month
        assert [r["task"] for r in out["ratings"]] == sorted(ratings)
        assert {r["task"]: r["rating"] for r in out["ratings"]} == ratings, month
        for r in out["ratings"]:
            assert r["reasons"] and all(x["code"] and x["text"] for x in r["reasons"])


def test_scores_json_for_2021_equals_expected(sample_ledger, samples, capsys):
    expected = json.loads((samples / "expected.json").read_text())["scores"]
    out = _json(capsys, "scores", "--year", "2021", "--format", "json")
    assert out == {"year": 2021, "units": expected}


def test_publishing_every_month_keeps_the_same_ratings_and_scores(sample_ledger, samples, capsys):
    expected = json.loads((samples / "expected.json").read_text())
    for month in expected["ratings"]:
        call_command("publish", "--month", month)
    for month, ratings in expected["ratings"].items():
        board = _json(capsys, "board", "--month", month, "--format", "json")
        assert {t["task"]: t["rating"] for t in board["tasks"]} == ratings
    out = _json(capsys, "scores", "--year", "2021", "--format", "json")
    assert out["units"] == expected["scores"]
