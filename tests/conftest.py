import os
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = Path(os.environ.get("DUCHA_SAMPLES", ROOT.parent / "shared" / "samples"))
ARTIFACTS = ROOT / "var" / "test-artifacts"


def pytest_configure(config):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def samples() -> Path:
    if not (SAMPLES / "ledger.xlsx").exists():
        pytest.fail(f"the shared samples are missing at {SAMPLES} (set DUCHA_SAMPLES)")
    return SAMPLES


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def areas(db):
    """The "1+6" areas (a transactional test's flush removes what the migration seeded)."""
    from ducha.org.areas import ensure_areas
    from ducha.org.models import Area

    ensure_areas(Area)
    return {a.key: a for a in Area.objects.all()}


@pytest.fixture
def sample_ledger(db, areas, samples):
    from ducha.ledger.importing import import_ledger, import_progress

    import_ledger(samples / "ledger.xlsx")
    import_progress(samples / "progress.csv")
    import_progress(samples / "progress.xlsx")
