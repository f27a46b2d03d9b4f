from tests.conftest import areas  # noqa: F401 - shared fixture
