"""`ducha api-token`: a token is printed once and only its hash kept; it acts through an
account of its own (the unit's reporter, nobody's login); revoking it stops it at once.
And the token check itself: wrong tokens are counted per address, a read refreshes
`last_used_at` at most once a minute."""

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from ducha.api.models import ApiToken
from ducha.api.tokens import issue_token
from ducha.audit.models import AuditEntry
from ducha.desk.auditlog import describe
from ducha.lib import clock
from ducha.org.models import Jurisdiction, Unit, User


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def county(cycle):
    county = Jurisdiction.objects.create(
        slug="dc",
        name="德城区",
        level=Jurisdiction.Level.COUNTY,
        parent=Jurisdiction.objects.home(),
    )
    Unit.objects.create(jurisdiction=county, name="德城区发展改革局", short_name="区发改局")
    return county


def test_it_prints_the_token_once_and_keeps_only_its_hash(cycle):
    out, err = run("--unit", "市工业和信息化局", "--scope", "report", "--name", "考核系统")
    secret = out.strip()
    assert secret.startswith("dch_") and len(secret) == 36
    assert "只显示这一次" in err and secret not in err
    token = ApiToken.objects.get()
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in [str(v) for v in ApiToken.objects.values().get().values()]
    assert (token.name, token.scope, token.prefix) == ("考核系统", "report", secret[:12])
    account = token.user
    assert account.username == f"api-{secret[4:12]}"
    assert (account.role, account.unit, account.jurisdiction.home) == (
        User.Role.REPORTER,
        cycle["reporter"].unit,
        True,
    )
    assert account.is_integration and not account.has_usable_password()
    # Nobody's login, and never among the people messages reach.
    assert account not in User.objects.of_units([account.unit_id])
    assert not Client().login(username=account.username, password="")


def test_issuing_and_revoking_are_audited_as_sentences(cycle):
    out, _ = run("--unit", "市工业和信息化局", "--scope", "read")
    prefix = out.strip()[:12]
    run("--revoke", prefix)
    issued, revoked = AuditEntry.objects.filter(
        action__in=["api_token_issued", "api_token_revoked"]
    ).order_by("seq")
    assert issued.actor is None and issued.actor_name == "ducha api-token"
    when = clock.local(issued.at).strftime("%Y-%m-%d %H:%M")
    assert describe(issued).sentence == (
        f"ducha api-token 于 {when} 为 市工业和信息化局 签发了接口令牌 {prefix}…（只读）"
    )
    when = clock.local(revoked.at).strftime("%Y-%m-%d %H:%M")
    assert describe(revoked).sentence == (
        f"ducha api-token 于 {when} 吊销了 市工业和信息化局 的接口令牌 {prefix}…（只读）"
    )


def test_a_revoked_token_stops_at_once_and_its_account_with_it(cycle):
    issued = issue_token(cycle["reporter"].unit, "read")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert client.get("/api/v1/me").status_code == 200
    out, _ = run("--revoke", issued.token.prefix)
    assert "已吊销" in out
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None and not issued.token.user.is_active
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "早已吊销" in run("--revoke", issued.token.prefix)[0]
    assert AuditEntry.objects.filter(action="api_token_revoked").count() == 1


def test_the_list_names_each_token_by_its_prefix_alone(cycle, county):
    city = issue_token(cycle["reporter"].unit, "report")
    mine = issue_token(Unit.objects.get(jurisdiction=county), "read")
    out, _ = run("--list")
    assert city.token.prefix in out and mine.token.prefix in out
    assert city.secret not in out and mine.secret not in out
    only, _ = run("--list", "--jurisdiction", "dc")
    assert mine.token.prefix in only and city.token.prefix not in only


def test_a_county_unit_is_found_in_its_own_jurisdiction(county):
    run("--unit", "区发改局", "--jurisdiction", "dc", "--scope", "report")
    token = ApiToken.objects.get()
    assert token.jurisdiction == county and token.user.jurisdiction == county
    assert token.unit.name == "德城区发展改革局"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "区发改局", "--scope", "read"], "没有名为「区发改局」的单位"),
        (["--unit", "市财政局", "--jurisdiction", "nowhere", "--scope", "read"], "nowhere"),
        (["--unit", "市财政局", "--scope", "write"], "「write」"),
        (["--unit", "市财政局"], "--scope"),
        (["--revoke", "dch_nothere"], "没有前缀为"),
    ],
)
def test_errors_name_what_is_wrong(county, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not ApiToken.objects.exists()


def test_a_read_refreshes_the_last_use_at_most_once_a_minute(cycle, django_assert_num_queries):
    issued = issue_token(cycle["reporter"].unit, "read")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    moment = dt.datetime(2021, 7, 3, 10, tzinfo=dt.UTC)
    with clock.frozen(moment):
        client.get("/api/v1/me")
    issued.token.refresh_from_db()
    assert issued.token.last_used_at == moment
    with clock.frozen(moment + dt.timedelta(seconds=59)), django_assert_num_queries(2):
        client.get("/api/v1/me")  # the address's failures and the lookup: no write
    with clock.frozen(moment + dt.timedelta(seconds=61)):
        client.get("/api/v1/me")
    issued.token.refresh_from_db()
    assert issued.token.last_used_at == moment + dt.timedelta(seconds=61)


def test_wrong_tokens_from_one_address_are_stopped_for_a_while(cycle, settings):
    settings.DUCHA_LOCKOUT_ADDRESS_FAILURES = 3
    good = issue_token(cycle["reporter"].unit, "read").secret
    guesser = Client(REMOTE_ADDR="10.0.0.9")
    statuses = [
        guesser.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer dch_guess{i}").status_code
        for i in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    stopped = guesser.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {good}")
    assert stopped.status_code == 429 and stopped["Content-Type"] == "application/problem+json"
    # Another address is not held up, and a request with no token is no guess.
    assert (
        Client(REMOTE_ADDR="10.0.0.8")
        .get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {good}")
        .status_code
        == 200
    )
