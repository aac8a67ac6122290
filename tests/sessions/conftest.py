from tests.scheduling.conftest import clock, day  # noqa: F401  (fixtures)
