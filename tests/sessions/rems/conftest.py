from tests.sessions.rems.world import charted, clock, complete, opened  # noqa: F401
