"""`ducha chain-heads`: what to write down outside the system, and the check against it."""

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from ducha.boards.publication import publish
from tests.helpers import tamper

JULY = dt.date(2021, 7, 1)


def run(*args) -> str:
    out = io.StringIO()
    call_command("chain_heads", *args, stdout=out)
    return out.getvalue()


def test_it_prints_each_head_and_the_command_that_checks_it(boards):
    june = boards[dt.date(2021, 6, 1)]
    text = run()
    assert f"德州市（city）：2021-06 第1版，序号 {june.seq}" in text
    assert f"  SHA-256 {june.sha256}" in text
    assert f"ducha verify --head {june.sha256} --audit-head " in text


def test_the_json_record_names_every_chain_and_the_audit_head(boards):
    june = boards[dt.date(2021, 6, 1)]
    record = json.loads(run("--format", "json"))
    assert record["format"] == "ducha-chain-heads/1"
    (chain,) = record["chains"]
    assert chain == {
        "jurisdiction": "city",
        "name": "德州市",
        "seq": june.seq,
        "month": "2021-06",
        "version": 1,
        "published_at": "2021-08-10T17:00:00+08:00",
        "sha256": june.sha256,
    }
    assert set(record["audit"]) == {"seq", "sha256"}


def test_the_record_written_to_a_file_is_never_overwritten(boards, tmp_path):
    path = tmp_path / "heads.json"
    assert "已写入" in run("--format", "json", "-o", str(path))
    with pytest.raises(CommandError, match="已存在"):
        run("-o", str(path))


def test_the_record_checks_and_later_publications_are_listed_to_confirm(boards, tmp_path):
    path = tmp_path / "heads.json"
    run("--format", "json", "-o", str(path))
    assert "链头与记下的一致" in run("--check", str(path))
    publish(JULY, now=dt.datetime(2021, 8, 10, 10, tzinfo=dt.UTC))
    said = run("--check", str(path))
    assert "又发布了 1 条：2021-07 第1版" in said and "核对通过" in said


def test_a_chain_rewritten_without_the_recorded_head_fails_the_check(boards, tmp_path):
    path = tmp_path / "heads.json"
    run("--format", "json", "-o", str(path))
    record = json.loads(path.read_text())
    record["chains"][0]["sha256"] = "0" * 64  # as if the database's chain had been replaced
    path.write_text(json.dumps(record))
    with pytest.raises(CommandError, match=r"已没有记下的链头 0{64}"):
        run("--check", str(path))


def test_no_head_is_recorded_from_a_broken_chain(boards):
    may = boards[dt.date(2021, 5, 1)]
    tamper("UPDATE boards_publication SET snapshot = %s WHERE id = %s", ["{}", may.pk])
    with pytest.raises(CommandError, match="不记录链头"):
        run()


def test_a_file_that_is_not_a_record_is_named(boards, tmp_path):
    path = tmp_path / "x.json"
    path.write_text("[1, 2]")
    with pytest.raises(CommandError, match="不是链头记录"):
        run("--check", str(path))
    path.write_text("not json")
    with pytest.raises(CommandError, match="不是 JSON"):
        run("--check", str(path))
