import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
# The browser tests drive Debian's chromium through Playwright; no browser download.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium")
PASSWORD = "pw-12345678"  # every person of the `cycle` fixture
# The acceptance samples (a ledger, its progress and the expected ratings), kept in the repo.
SAMPLES = ROOT / "tests" / "data"
# One folder per database: CI runs the suite on SQLite and PostgreSQL side by side.
_VENDOR = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
ARTIFACTS = ROOT / "var" / "test-artifacts" / _VENDOR


def pytest_configure(config):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _flush_past_append_only_triggers()


def _flush_past_append_only_triggers():
    """A transactional test ends with Django's flush, which SQLite runs as row deletes that
    the append-only triggers refuse: lift them for it (PostgreSQL truncates, unseen)."""
    from django.db.backends.sqlite3.base import DatabaseOperations

    from ducha.lib.append_only import lifted

    flush = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with lifted(self.connection):
            flush(self, sql_list)

    DatabaseOperations.execute_sql_flush = execute_sql_flush


@pytest.fixture(autouse=True)
def empty_cache():
    """Cached pages are keyed by the chain head, which two tests can share: start clean."""
    from django.core.cache import cache

    from ducha.ratings.monthly import forget

    cache.clear()
    forget()
    yield
    cache.clear()
    forget()


@pytest.fixture(autouse=True)
def receivers_on_loopback(settings):
    """The tests' robot and webhook receivers listen on loopback: a host no office may name
    in production (DUCHA_ROBOT_HOSTS, DUCHA_WEBHOOK_HOSTS), allowed here.
    tests/test_notify_views.py and tests/test_webhooks.py check the defaults refuse it."""
    loopback = ["127.0.0.1", "localhost"]
    settings.DUCHA_ROBOT_HOSTS = [*settings.DUCHA_ROBOT_HOSTS, *loopback]
    settings.DUCHA_WEBHOOK_HOSTS = [*settings.DUCHA_WEBHOOK_HOSTS, *loopback]


@pytest.fixture(autouse=True)
def second_factor_off_unless_marked(request, settings):
    """Tests sign the office in with force_login, a password step at most: the second factor
    is asked only in tests marked @pytest.mark.mfa (tests/test_mfa.py, the permission
    matrix), which sign in with a device (tests.helpers.sign_in_fully)."""
    # Set either way: through the fixture, whatever a test writes to the settings (the demo
    # command sets its own) is undone after it.
    settings.DUCHA_MFA_REQUIRED = request.node.get_closest_marker("mfa") is not None


@pytest.fixture
def boards(sample_ledger):
    """May and June 2021 published over the sample ledger (on 10 August)."""
    import datetime as dt

    from ducha.boards.publication import publish

    august_10 = dt.datetime(2021, 8, 10, 9, tzinfo=dt.UTC)
    return {
        m: publish(m, now=august_10).publication for m in (dt.date(2021, 5, 1), dt.date(2021, 6, 1))
    }


DB_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server", "demo_database"}


def _touches_the_database(item) -> bool:
    return (
        item.get_closest_marker("django_db") is not None
        or item.get_closest_marker("own_database") is not None
        or bool(DB_FIXTURES & set(getattr(item, "fixturenames", ())))
    )


# Modules whose subject is what is drawn from the data: the pages' layout and wording, the
# PDF poster, Word and Excel files, charts, printing. What they read from the database they
# read through the queries of pages and commands that the GET crawl (tests/test_get_crawl.py)
# and the workflow tests run on PostgreSQL too; the drawing itself is the same on either.
DRAWN = {
    "test_board_views",
    "test_board_command",
    "test_county_tables",
    "test_demo_numbers",
    "test_poster",
    "test_printing",
    "test_scores_web",
    "test_stats_charts",
    "test_stats_views",
}


# CI (.ci/run) runs the suite on SQLite and on PostgreSQL side by side on two cores, and
# sets DUCHA_CI_SPLIT: these tests of what is drawn then run in the PostgreSQL run instead
# of the SQLite one, which otherwise finishes long after (it alone drives the browser); the
# others of DRAWN take PostgreSQL much longer and stay. Each still runs once; a plain `make
# test` on either database runs as described here.
SPLIT = bool(os.environ.get("DUCHA_CI_SPLIT"))
DRAWN_ON_POSTGRESQL = {
    "test_demo_numbers",
    "test_poster",
    "test_printing",
    "test_stats_charts",
    "test_stats_views",
}


def _drawn(item) -> bool:
    return item.module.__name__.rpartition(".")[2] in DRAWN


def _moved(item) -> bool:
    return SPLIT and item.module.__name__.rpartition(".")[2] in DRAWN_ON_POSTGRESQL


def _for_postgresql(item) -> bool:
    """What PostgreSQL runs again: the tests that touch the database (not the rating rules,
    the parsers, the files, which do the same on either), not in a browser (it drives the
    views the client tests ask on both), and not those of what is drawn (DRAWN) unless CI
    splits them off the SQLite run."""
    return (
        _touches_the_database(item)
        and "browser" not in getattr(item, "fixturenames", ())
        and (_moved(item) or not _drawn(item))
    )


def _for_sqlite(item) -> bool:
    """Everything, but what CI's PostgreSQL run draws instead (SPLIT)."""
    return not (_moved(item) and _for_postgresql(item))


def pytest_collection_modifyitems(config, items):
    """The tests on the demo database run last, one after another, so that the demo is
    seeded once for them all (it takes a quarter of a minute, longer on PostgreSQL).

    On PostgreSQL only the tests of what the database does run (`_for_postgresql`); CI
    runs the whole suite on SQLite beside (DUCHA_TESTS_ALL=1 runs everything on PostgreSQL
    too)."""
    items.sort(key=lambda item: "demo_database" in getattr(item, "fixturenames", ()))
    if os.environ.get("DUCHA_TESTS_ALL"):
        return
    wanted = _for_postgresql if _VENDOR == "postgresql" else _for_sqlite
    kept = [item for item in items if wanted(item)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


@pytest.fixture(scope="session")
def demo_database(django_db_setup, django_db_blocker):
    """`make demo`'s database (the city, its 13 counties, 2021 published, January 2022 half
    reported), seeded once: `ducha demo --no-serve`'s printed lines.

    It stays inside one transaction to the end of the session, and the tests that use it
    run last (pytest_collection_modifyitems above); each test's own changes roll back at its
    end (the `db` fixture's savepoint), and the whole demo at the end. The settings the
    command pins (its date, no second factor) hold from then on."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction
    from django.test.utils import override_settings

    out = StringIO()
    with (
        django_db_blocker.unblock(),
        override_settings(DUCHA_TODAY=""),  # the demo sets its own date
        transaction.atomic(),
    ):
        call_command("demo", "--no-serve", stdout=out)
        today = settings.DUCHA_TODAY
        with override_settings(DUCHA_TODAY=today):
            yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, one per test module.

    Not one per session: Playwright's sync API keeps an event loop running in this thread
    while it is open, which the rest of the suite should not run under.
    """
    from playwright.sync_api import sync_playwright

    # Django refuses ORM calls while an event loop runs in the thread; the calls here are plain.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def login(browser, live_server, username, width=1280, password=PASSWORD, language=None):
    """A new page signed in as `username`; `language="en"` chooses English first."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    if language:
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, page.content()[:500]
    return page


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def areas(db):
    """The "1+6" areas (a transactional test's flush removes what the migration seeded)."""
    from ducha.org.areas import ensure_areas
    from ducha.org.models import Area, ensure_home

    ensure_areas(Area)
    ensure_home()  # a transactional test's flush removes the migration's home jurisdiction
    return {a.key: a for a in Area.objects.all()}


@pytest.fixture
def sample_ledger(db, areas, samples):
    from ducha.ledger.importing import import_ledger, import_progress

    import_ledger(samples / "ledger.xlsx")
    import_progress(samples / "progress.csv")
    import_progress(samples / "progress.xlsx")


@pytest.fixture
def cycle(db, areas, tmp_path, settings):
    """Two tasks led by two units, and one named person for every role.

    市工业和信息化局 leads T-1 (leader 赵明); 市财政局 leads T-2 (leader 钱红).
    """
    from ducha.ledger.importing import import_ledger
    from ducha.ledger.models import Task
    from ducha.org.models import Leader, Unit, User
    from tests.helpers import LEDGER_HEADER, ledger_row, write_csv

    settings.DUCHA_TODAY = "2021-07-03"  # June is being reported; the deadline is July 5
    settings.MEDIA_ROOT = tmp_path / "media"
    rows = [
        ledger_row(code="T-1", node="N1", due="2021-06"),
        ledger_row(code="T-1", node="N2", due="2021-09"),
        ledger_row(code="T-2", node="N1", due="2021-08", 牵头单位="市财政局", 分管市领导="钱红"),
    ]
    import_ledger(write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, rows))
    gxj, czj = Unit.objects.get(name="市工业和信息化局"), Unit.objects.get(name="市财政局")
    Role = User.Role

    def person(username, role, unit=None, leader=None):
        user = User.objects.create_user(username, password=PASSWORD, role=role, unit=unit)
        user.leader = leader
        user.full_name = username
        user.save()
        return user

    return {
        "office": person("office", Role.OFFICE),
        "reporter": person("reporter", Role.REPORTER, gxj),
        "head": person("head", Role.HEAD, gxj),
        "other_reporter": person("other_reporter", Role.REPORTER, czj),
        "other_head": person("other_head", Role.HEAD, czj),
        "leader": person("leader", Role.LEADER, leader=Leader.objects.get(name="赵明")),
        "auditor": person("auditor", Role.AUDITOR),
        "t1": Task.objects.get(code="T-1"),
        "t2": Task.objects.get(code="T-2"),
    }
