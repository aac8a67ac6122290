"""The deterministic demo clinic, built through the same services as the pages and the API,
with months of history.

Same content on every run (``random.Random(0)``; when things happened from
``random.Random(1)``; what became of each appointment from ``random.Random(2)``), dated back
from today in the clinic's time zone: the clinic opened about nine months ago, patients were
registered since, screened, planned and followed up; three weeks ago its calendar moved into
ketacare (``calendar_setup``) and the past week and the coming week were booked
(``appointments``). The controlled-substance ledger is kept from each site's opening
(``stock``), and the past week's sessions of signed plans were charted at the chair, one is
in progress today (``chairside``, drawing from ``random.Random(3)``). Each event is run by
the services with the clock at its own time (``timeline``), so charts, scores, plans, alerts,
appointments, sessions, the ledger and the audit log show real spans of time. Refused in
production.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from ketacare.accounts import services as accounts
from ketacare.accounts import sites
from ketacare.accounts.models import Clinic, Role, Site

from .appointments import plan_appointments
from .calendar_setup import demo_calendar, plan_calendar
from .care import plan_care
from .chairside import plan_sessions
from .history import BOSTON, CHICAGO, Locale, fictional_phone, plan_history, plan_newcomer
from .state import DEMO_DOMAIN, PORTAL_PATIENTS, SEED, SeedState
from .stock import plan_stock
from .timeline import Timeline, local

DEMO_PASSWORD = "ketacare-demo"  # noqa: S105 - published demo credential
CLINIC_SLUG = "demo"
LAKESIDE_SLUG = "demo-lakeside"
__all__ = ["DEMO_DOMAIN", "DEMO_PASSWORD", "PEOPLE", "PORTAL_PATIENTS", "SeedRefused", "seed_demo"]

#: Days before today the Boston clinic opened, its second site opened and Lakeside opened.
OPENED_DAYS_AGO, BACK_BAY_DAYS_AGO, LAKESIDE_DAYS_AGO = 270, 200, 150
#: The one demo patient (0-based, a screened patient) whose BMI is unusual (about 42.5).
UNUSUAL_BMI_INDEX = 20

STAFF = [
    ("owner", "Morgan Reyes", Role.OWNER),
    ("prescriber", "Dr Priya Natarajan", Role.PRESCRIBER),
    ("nurse", "Sam Okafor", Role.NURSE),
    ("frontdesk", "Lee Carter", Role.FRONT_DESK),
]

# (given, family, sex at birth, gender identity, pronouns); non-ASCII names on purpose.
PEOPLE = [
    ("Zoë", "Ðorđević", "female", "", "she/her"),
    ("José", "Müller", "male", "", "he/him"),
    ("Ólafur", "Þórsson", "male", "", ""),
    ("Lan", "Nguyễn", "female", "", "she/her"),
    ("Siobhán", "Ó Briain", "female", "", ""),
    ("Łukasz", "Żółć", "male", "", ""),
    ("François", "Lefèvre", "male", "", ""),
    ("Renée", "Ångström", "female", "", ""),
    ("Avery", "Johnson", "female", "non-binary", "they/them"),
    ("Marcus", "Williams", "male", "", ""),
    ("Hannah", "Schmidt", "female", "", ""),
    ("Diego", "Hernández", "male", "", ""),
    ("Aisha", "Bello", "female", "", ""),
    ("Kenji", "Tanaka", "male", "", ""),
    ("Grace", "O'Connor", "female", "", ""),
    ("Rafael", "Souza", "male", "", ""),
    ("Mei", "Chen", "female", "", ""),
    ("Tomás", "García", "male", "", ""),
    ("Ingrid", "Larsen", "female", "", ""),
    ("Samuel", "Adeyemi", "male", "", ""),
    ("Noor", "Haddad", "female", "", ""),
    ("Elliot", "Brooks", "female", "man", "he/him"),
    ("Priyanka", "Sharma", "female", "", ""),
    ("Owen", "Murphy", "male", "", ""),
    ("Chloé", "Dubois", "female", "", ""),
    ("Viktor", "Novák", "male", "", ""),
    ("Leilani", "Kahale", "female", "", ""),
    ("Jamal", "Carter", "male", "", ""),
    ("Sofia", "Rossi", "female", "", ""),
    ("Henrik", "Lindqvist", "male", "", ""),
    ("Amara", "Okeke", "female", "", ""),
    ("Lucas", "Martin", "male", "", ""),
    ("Yara", "Costa", "female", "", ""),
    ("Daniel", "Kowalski", "male", "", ""),
    ("Fatima", "Rahman", "female", "", ""),
    ("Noah", "Fischer", "male", "", ""),
    ("Camila", "López", "female", "", ""),
    ("Ethan", "Park", "male", "", ""),
    ("Isabel", "Moreau", "female", "", ""),
    ("Ravi", "Iyer", "male", "", ""),
]


class SeedRefused(Exception):
    pass


@dataclass
class SeedResult:
    clinic_name: str
    created: bool
    patient_count: int
    logins: list[tuple[str, str]] = field(default_factory=list)


def _logins() -> list[tuple[str, str]]:
    staff = [(f"{key}@{DEMO_DOMAIN}", role.label) for key, _, role in STAFF]
    people = [(f"patient{n}@{DEMO_DOMAIN}", "Patient") for n in range(1, PORTAL_PATIENTS + 1)]
    return staff + people


def seed_demo() -> SeedResult:
    """Create the demo clinic once; later calls change nothing."""
    if settings.KETACARE_ENVIRONMENT == "production":
        raise SeedRefused("the demo clinic is never seeded in production")
    existing = Clinic.objects.filter(slug=CLINIC_SLUG).first()
    if existing is not None:
        return SeedResult(existing.name, False, existing.patients.count(), _logins())
    with transaction.atomic():
        clinic = _build()
    return SeedResult(clinic.name, True, clinic.patients.count(), _logins())


def _build() -> Clinic:
    rng = random.Random(0)  # noqa: S311 - demo data, not security
    clock = random.Random(1)  # noqa: S311 - when each event happened
    desk = random.Random(2)  # noqa: S311 - what became of each appointment
    now = timezone.now()
    today = timezone.localdate(now, timezone=BOSTON.tz)
    timeline = Timeline(now)
    state = SeedState(make_password(DEMO_PASSWORD))
    _plan_clinics(timeline, state, today)
    charts = []
    for index, person in enumerate(PEOPLE, start=1):
        registration = _registration(rng, index, person, today, BOSTON)
        charts.append(
            plan_history(
                rng,
                clock,
                timeline,
                state,
                index,
                registration,
                today,
                unusual_bmi=index - 1 == UNUSUAL_BMI_INDEX,
            )
        )
    plan_care(rng, clock, timeline, state, charts, today)
    for number, person in enumerate(PEOPLE[-3:], start=1):
        registration = _registration(rng, 100 + number, person, today, CHICAGO)
        registered = today - timedelta(days=clock.randint(20, 120))
        plan_newcomer(clock, timeline, state, 100 + number, registration, registered, "lakeside")
    calendar = demo_calendar(today)
    plan_calendar(timeline, state, calendar)
    planned = plan_appointments(desk, timeline, state, calendar)
    opened, back_bay = (today - timedelta(days=d) for d in (OPENED_DAYS_AGO, BACK_BAY_DAYS_AGO))
    plan_stock(timeline, state, calendar, opened, back_bay)
    plan_sessions(timeline, state, calendar, planned)
    timeline.replay()
    return state.clinics[CLINIC_SLUG]


def _plan_clinics(timeline: Timeline, state: SeedState, today: date) -> None:
    """The Boston clinic and its staff, its second site, then the Lakeside clinic."""
    opened = timeline.visit(local(today - timedelta(days=OPENED_DAYS_AGO), BOSTON.tz, 8, 30))
    opened.then(partial(_open_boston, state))
    for key, name, role in STAFF:
        opened.then(partial(state.staff, key, CLINIC_SLUG, role, name=name))
    opened.then(partial(_harbor_phone, state))
    timeline.add(
        local(today - timedelta(days=BACK_BAY_DAYS_AGO), BOSTON.tz, 8, 30),
        partial(_open_back_bay, state),
    )
    lakeside = timeline.visit(local(today - timedelta(days=LAKESIDE_DAYS_AGO), CHICAGO.tz, 8, 30))
    lakeside.then(partial(_open_lakeside, state))
    # The owner runs both clinics, so the demo shows the clinic switch.
    lakeside.then(partial(_owner_runs_lakeside, state))


def _owner_runs_lakeside(state: SeedState) -> None:
    state.staff("lakeside", LAKESIDE_SLUG, Role.OWNER, user=state.actors["owner"].user)


def _open_boston(state: SeedState) -> None:
    state.clinics[CLINIC_SLUG] = accounts.clinic_create(
        SEED,
        slug=CLINIC_SLUG,
        name="Ketacare Demo Clinic",
        time_zone="America/New_York",
        address_line="200 Harbor Street, Suite 4",
        city="Boston",
        region="MA",
        postal_code="02210",
        site_name="Harbor Street",
    )


#: The Boston sites' phones (555-0100 to 555-0199: reserved for fiction); the Spravato REMS
#: form gives the site's phone as the monitoring provider's number.
HARBOR_PHONE, BACK_BAY_PHONE = fictional_phone("617", 190), fictional_phone("617", 191)


def _harbor_phone(state: SeedState) -> None:
    site = Site.objects.get(clinic=state.clinics[CLINIC_SLUG])
    owner = state.actors["owner"]
    sites.site_update(owner, site.pk, expected_version=site.version, data={"phone": HARBOR_PHONE})


def _open_back_bay(state: SeedState) -> None:
    """The Boston clinic's second site (scheduling and billing will book and bill by site)."""
    sites.site_add(
        SEED,
        state.clinics[CLINIC_SLUG],
        data={
            "name": "Back Bay",
            "address_line": "500 Boylston Street, Floor 3",
            "city": "Boston",
            "region": "MA",
            "postal_code": "02116",
            "country": "US",
            "phone": BACK_BAY_PHONE,
            "time_zone": "America/New_York",
        },
    )


def _open_lakeside(state: SeedState) -> None:
    state.clinics[LAKESIDE_SLUG] = accounts.clinic_create(
        SEED,
        slug=LAKESIDE_SLUG,
        name="Ketacare Demo Lakeside",
        time_zone="America/Chicago",
        address_line="55 Shore Drive",
        city="Chicago",
        region="IL",
        postal_code="60611",
    )


def _registration(
    rng: random.Random, index: int, person: tuple[str, ...], today: date, locale: Locale
) -> dict[str, Any]:
    """What the front desk types in; the MRN is the patient's number in the demo, since
    patients are registered in the order they came, not in this list's."""
    given, family, sex, gender, pronouns = person
    age = rng.randint(21, 72)
    dob = today - timedelta(days=age * 365 + rng.randint(0, 364))
    return {
        "mrn": f"KC{index % 100:06d}",
        "given_name": given,
        "family_name": family,
        "date_of_birth": dob,
        "sex_at_birth": sex,
        "gender_identity": gender,
        "pronouns": pronouns,
        "email": f"{given.lower()}.{index}@example.com".encode("ascii", "ignore").decode(),
        "phone": fictional_phone(locale.area_code, index if index < 100 else 40 + index),
        "address_line": f"{rng.randint(1, 999)} Elm Street",
        "city": locale.city,
        "region": locale.region,
        "postal_code": locale.postcode(rng.randint(100, 199)),
        "preferred_language": "English",
    }
