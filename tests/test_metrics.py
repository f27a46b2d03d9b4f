"""/metrics: Prometheus's text format, the right figures on a known data set, and only for
the allowed addresses or the token's bearer."""

import datetime as dt
import math
import re
from pathlib import Path

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from ducha.api.models import Webhook, WebhookDelivery
from ducha.audit import record
from ducha.boards.publication import publish
from ducha.lib import clock
from ducha.notify.models import Delivery, Message
from ducha.ops.checks import metrics_allow_list
from ducha.ops.models import beat, last_beat
from ducha.org.models import Jurisdiction
from ducha.reports import workflow
from ducha.reports.models import Report
from tests.test_reports import PDF

ROOT = Path(__file__).resolve().parent.parent
MAY, JUNE = dt.date(2021, 5, 1), dt.date(2021, 6, 1)
# The scrape: five minutes after the last tick, on the cycle's day (June being reported).
TICKED = dt.datetime(2021, 7, 3, 9, 0, tzinfo=dt.UTC)
SCRAPED = TICKED + dt.timedelta(minutes=5)
PUBLISHED = dt.datetime(2021, 6, 10, 9, 0, tzinfo=dt.UTC)

# The text format, version 0.0.4: a sample is a name, optional labels and a number.
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(rf"^({NAME})(?:\{{(.*)\}})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')


def parse(text: str) -> dict[str, dict]:
    """name → {help, type, samples: {frozenset(labels): value}}; fails on anything the
    format does not allow (a sample before its HELP and TYPE, a bad label, a repeat)."""
    assert text.endswith("\n")
    families: dict[str, dict] = {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            assert re.fullmatch(NAME, name) and name not in families, line
            families[name] = {"help": help_text, "type": None, "samples": {}}
        elif line.startswith("# TYPE "):
            name, _, kind = line[7:].partition(" ")
            assert families[name]["type"] is None and kind in ("gauge", "counter"), line
            families[name]["type"] = kind
        else:
            match = SAMPLE.match(line)
            assert match, f"not a sample: {line!r}"
            name, inside, value = match.groups()
            assert families[name]["type"], f"{name} sampled before its TYPE"
            labels = []
            rest = inside or ""
            while rest:
                label = LABEL.match(rest)
                assert label, f"bad labels in {line!r}"
                labels.append((label[1], label[2].replace('\\"', '"').replace("\\\\", "\\")))
                rest = rest[label.end() :].removeprefix(",")
            key = frozenset(labels)
            assert key not in families[name]["samples"], f"repeated: {line!r}"
            families[name]["samples"][key] = float(value)
    return families


def value(families, name, **labels):
    return families[name]["samples"][frozenset(labels.items())]


@pytest.fixture
def world(cycle):
    """May posted in the home chain; June being reported: T-1 a draft with one evidence
    file, T-2 waiting for the office (an older report aside); a county with no reports;
    deliveries, webhooks and background tasks in every state; two sign-ins lately (one
    person twice) and one long ago; the last tick five minutes before the scrape."""
    home = Jurisdiction.objects.home()
    county = Jurisdiction.objects.create(
        slug="decheng", name="德城区", level=Jurisdiction.Level.COUNTY, parent=home
    )
    may = publish(MAY, now=PUBLISHED).publication
    # Whatever publishing queued is not this data set's.
    Delivery.objects.all().delete()
    DBTaskResult.objects.all().delete()
    draft = workflow.start_report(cycle["t1"], JUNE, 0)
    workflow.add_evidence(draft, cycle["reporter"], SimpleUploadedFile("a.pdf", PDF))
    unit = cycle["t2"].lead_unit
    Report.objects.create(task=cycle["t2"], month=JUNE, unit=unit, status="approved")
    Report.objects.create(task=cycle["t2"], month=MAY, unit=unit, status="accepted")

    message = Message.objects.create(kind="test", key="k", subject="s", body="b", created_at=TICKED)
    deliveries = [("email", "queued"), ("email", "queued"), ("wecom", "failed")]
    deliveries += [("email", "sent"), ("inbox", "queued")]  # neither is counted
    for n, (channel, status) in enumerate(deliveries):
        Delivery.objects.create(message=message, channel=channel, key=f"d{n}", status=status)
    for n, status in enumerate(["pending", "failed", "sent"]):
        hook = Webhook.objects.create(jurisdiction=home, url=f"https://h{n}.example/", secret="s")
        WebhookDelivery.objects.create(webhook=hook, publication=may, status=status)
    for status in ["READY", "FAILED", "FAILED", "SUCCESSFUL"]:
        DBTaskResult.objects.create(
            status=status,
            args_kwargs={},
            task_path="ducha.notify.queue.drain_task",
            backend_name="default",
            run_after=TICKED,
            exception_class_path="",
            traceback="",
        )
    for who, ago in [("reporter", 1), ("reporter", 2), ("head", 30)]:
        record("login", actor=cycle[who], at=SCRAPED - dt.timedelta(minutes=ago))
    record("login_failed", actor_name="x", at=SCRAPED)
    with clock.frozen(TICKED):
        beat("tick")
    return {"home": home, "county": county, "may": may, **cycle}


def scrape(client, **extra):
    with clock.frozen(SCRAPED):
        return client.get("/metrics", **extra)


def test_the_figures_parse_and_are_those_of_the_data_set(world, client):
    response = scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    m = parse(response.content.decode())
    assert all(f["type"] == "gauge" and f["help"] for f in m.values())

    (info,) = m["ducha_build_info"]["samples"].items()
    assert dict(info[0])["version"] == "0.1.0" and info[1] == 1

    june = {"month": "2021-06"}
    assert value(m, "ducha_reports", jurisdiction="city", status="draft", **june) == 1
    assert value(m, "ducha_reports", jurisdiction="city", status="approved", **june) == 1
    assert value(m, "ducha_reports", jurisdiction="city", status="accepted", **june) == 0
    assert value(m, "ducha_reports", jurisdiction="decheng", status="draft", **june) == 0
    assert len(m["ducha_reports"]["samples"]) == 2 * len(Report.Status.values)

    assert value(m, "ducha_background_tasks", status="ready") == 1
    assert value(m, "ducha_background_tasks", status="failed") == 2
    assert value(m, "ducha_background_tasks", status="running") == 0

    assert value(m, "ducha_notify_deliveries", channel="email", status="queued") == 2
    assert value(m, "ducha_notify_deliveries", channel="wecom", status="failed") == 1
    assert value(m, "ducha_notify_deliveries", channel="email", status="failed") == 0
    assert not any(
        dict(labels)["channel"] == "inbox" for labels in m["ducha_notify_deliveries"]["samples"]
    )

    assert value(m, "ducha_webhook_deliveries", status="pending") == 1
    assert value(m, "ducha_webhook_deliveries", status="failed") == 1

    last = {"jurisdiction": "city", "month": "2021-05"}
    assert value(m, "ducha_publication_last_seq", **last) == world["may"].seq
    assert value(m, "ducha_publication_last_timestamp_seconds", **last) == PUBLISHED.timestamp()
    assert len(m["ducha_publication_last_seq"]["samples"]) == 1  # the county has no chain yet

    assert value(m, "ducha_tick_last_success_timestamp_seconds") == TICKED.timestamp()
    assert value(m, "ducha_tick_age_seconds") == 300

    assert value(m, "ducha_stored_file_bytes", kind="evidence") == len(PDF)
    assert value(m, "ducha_stored_files", kind="evidence") == 1
    assert value(m, "ducha_stored_files", kind="answerfile") == 0

    assert value(m, "ducha_users_signed_in_15m") == 1


def test_a_site_never_ticked_says_so_and_the_age_is_large(cycle, client):
    m = parse(scrape(client).content.decode())
    assert value(m, "ducha_tick_last_success_timestamp_seconds") == 0
    assert value(m, "ducha_tick_age_seconds") == SCRAPED.timestamp()


def test_a_tick_records_when_it_ran_to_its_end(cycle):
    with clock.frozen(TICKED):
        call_command("tick", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert last_beat("tick") == TICKED


def test_a_scrape_costs_a_few_queries_and_one_more_per_jurisdiction(world, client):
    with CaptureQueriesContext(connection) as queries:
        scrape(client)
    fixed = len(queries)
    for n in range(3):
        Jurisdiction.objects.create(slug=f"c{n}", name=f"县{n}", parent=world["home"])
    with CaptureQueriesContext(connection) as queries:
        scrape(client)
    assert len(queries) == fixed + 3
    assert fixed <= 20


def test_label_values_are_escaped(world, client):
    world["county"].slug = 'a"b\\c'  # not a slug a form would take; the format must hold
    world["county"].save()
    m = parse(scrape(client).content.decode())
    assert value(m, "ducha_reports", jurisdiction='a"b\\c', month="2021-06", status="draft") == 0


def test_nan_never_appears(world, client):
    text = scrape(client).content.decode()
    assert "NaN" not in text and not any(math.isinf(v) for v in _values(text))


def _values(text):
    return [float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if not line.startswith("#")]


# Who may read it ---------------------------------------------------------------------------


def test_loopback_reads_it_and_another_address_is_told_nothing_is_here(world, client):
    assert scrape(client).status_code == 200
    assert scrape(client, REMOTE_ADDR="::1").status_code == 200
    refused = scrape(client, REMOTE_ADDR="10.1.2.3")
    assert refused.status_code == 404
    assert b"ducha_" not in refused.content


def test_behind_nginx_the_proxy_s_own_address_opens_nothing(world, client, settings):
    """nginx on the same machine connects from 127.0.0.1: the client is who nginx saw."""
    settings.DUCHA_TRUSTED_PROXIES = 1
    outside = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "127.0.0.1, 203.0.113.9"}
    assert scrape(client, **outside).status_code == 404
    inside = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "127.0.0.1"}
    assert scrape(client, **inside).status_code == 200


def test_an_allowed_network_reads_it(world, client, settings):
    settings.DUCHA_METRICS_ALLOW = ["10.0.5.0/24"]
    assert scrape(client, REMOTE_ADDR="10.0.5.20").status_code == 200
    assert scrape(client, REMOTE_ADDR="::ffff:10.0.5.20").status_code == 200
    assert scrape(client, REMOTE_ADDR="10.0.6.20").status_code == 404
    assert scrape(client).status_code == 404  # loopback is no longer in the list


def test_the_token_opens_it_from_anywhere_and_a_wrong_one_does_not(world, client, settings):
    settings.DUCHA_METRICS_TOKEN = "s3cret-token"
    away = {"REMOTE_ADDR": "198.51.100.7"}
    ok = scrape(client, headers={"Authorization": "Bearer s3cret-token"}, **away)
    assert ok.status_code == 200
    for sent in ["Bearer s3cret-toke", "Bearer s3cret-token ", "s3cret-token", ""]:
        assert scrape(client, headers={"Authorization": sent}, **away).status_code == 404


def test_no_token_set_means_no_token_opens_it(world, client, settings):
    settings.DUCHA_METRICS_TOKEN = ""
    away = {"REMOTE_ADDR": "198.51.100.7"}
    assert scrape(client, headers={"Authorization": "Bearer "}, **away).status_code == 404


def test_it_takes_no_post(world, client):
    assert client.post("/metrics").status_code == 405


def test_an_allow_list_that_is_not_networks_fails_the_checks(settings):
    settings.DUCHA_METRICS_ALLOW = ["127.0.0.1/32", "intranet"]
    (error,) = metrics_allow_list(None)
    assert error.id == "ducha.E101" and "intranet" in error.msg
    settings.DUCHA_METRICS_ALLOW = ["10.0.0.0/8", "::1"]
    assert metrics_allow_list(None) == []


def test_an_allow_list_that_is_not_networks_lets_nobody_in_meanwhile(world, client, settings):
    settings.DUCHA_METRICS_ALLOW = ["127.0.0.1/32", "intranet"]
    assert scrape(client).status_code == 404
    settings.DUCHA_METRICS_TOKEN = "t"
    assert scrape(client, headers={"Authorization": "Bearer t"}).status_code == 200


# The alert rules shipped in deploy/ ----------------------------------------------------------


def test_the_alert_rules_ask_only_for_metrics_that_exist(world, client):
    families = parse(scrape(client).content.decode())
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "ducha-rules.yml").read_text())
    asked = set()
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert {"alert", "expr", "labels", "annotations"} <= set(rule), rule
            asked |= set(re.findall(r"\b(ducha_[a-z0-9_]+)\b", rule["expr"]))
    assert asked and asked <= set(families), asked - set(families)
