"""DATABASE_URL may name SQLite as well as PostgreSQL: each engine gets its own options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = (
    "import json, django; django.setup();"
    "from django.conf import settings; from django.db import connection;"
    "options = settings.DATABASES['default']['OPTIONS'];"
    "cursor = connection.cursor(); cursor.execute('PRAGMA journal_mode');"
    "print(json.dumps({'options': sorted(options), 'journal': cursor.fetchone()[0]}))"
)


def test_a_sqlite_database_url_connects_with_the_sqlite_options(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'url.sqlite3'}",
        DJANGO_SETTINGS_MODULE="ketacare.config.settings.base",
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "options": ["init_command", "timeout", "transaction_mode"],
        "journal": "wal",
    }


def test_a_postgresql_database_url_fails_fast_when_unreachable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ketacare.config.settings import base

    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.invalid:5432/k")
    config = base._database()
    assert config["OPTIONS"] == {"connect_timeout": 5}
