"""Test settings: fast hashing, a time zone with daylight-saving time, strict templates."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import TEMPLATES

# A fast hasher: the 1,000,000-iteration PBKDF2 default costs 450 ms a hash on CI machines.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A zone with DST, so a time-zone bug cannot hide behind UTC (reference/engineering.md).
TIME_ZONE = "America/New_York"
KETACARE_REQUIRE_MFA = False
KETACARE_ENVIRONMENT = "test"
_template_options = TEMPLATES[0]["OPTIONS"]
assert isinstance(_template_options, dict)
# A missing variable shows up loudly in a test's HTML instead of rendering as nothing.
_template_options["string_if_invalid"] = "!!missing:%s!!"
# Tasks run at once, in the test's own process and transaction (tests/jobs/test_live_worker.py
# runs the real worker against the database backend).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
