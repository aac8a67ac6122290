"""The deterministic demo clinic, built through the same services as the pages and the API.

Same content on every run (``random.Random(0)``), dated relative to today in the clinic's time
zone so the history always looks current. Refused in production.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from ketacare.accounts import services as accounts
from ketacare.accounts import sites
from ketacare.accounts.actor import Actor, actor_for, system_actor
from ketacare.accounts.models import Clinic, Membership, Role, User
from ketacare.patients import services as patients
from ketacare.patients.models import Patient, PatientId

from .care import build_care

DEMO_PASSWORD = "ketacare-demo"  # noqa: S105 - published demo credential
DEMO_DOMAIN = "demo.ketacare.org"
CLINIC_SLUG = "demo"
PORTAL_PATIENTS = 6
SEED = system_actor("ketacare seed")

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

# (ICD-10-CM, share of patients) — the indications of reference/clinical.md section 6.2.
INDICATIONS = [
    ("F33.2", 0.45),
    ("F43.10", 0.15),
    ("F41.1", 0.1),
    ("G90.50", 0.08),
    ("F31.81", 0.06),
    ("F42.2", 0.05),
    ("M79.7", 0.06),
    ("F32.2", 0.05),
]
COMORBID = ["F41.1", "R45.851", "F43.10"]

# (drug, drug class, adequate daily dose mg) for the medication-trial history.
TRIALS = [
    ("sertraline", "ssri", 150),
    ("escitalopram", "ssri", 20),
    ("fluoxetine", "ssri", 40),
    ("venlafaxine", "snri", 225),
    ("duloxetine", "snri", 60),
    ("bupropion", "ndri", 300),
    ("mirtazapine", "mirtazapine", 45),
    ("nortriptyline", "tca", 100),
    ("aripiprazole", "atypical_antipsychotic", 5),
    ("lithium", "lithium", 900),
]
PAYERS = [
    ("Blue Cross Blue Shield", "BCBS"),
    ("Aetna", "AET"),
    ("UnitedHealthcare", "UHC"),
    ("Cigna", "CIG"),
    ("Medicare", "MCR"),
]
ALLERGIES = [
    ("Penicillin", "rash", "moderate"),
    ("Sulfa drugs", "hives", "mild"),
    ("Latex", "contact dermatitis", "mild"),
    ("Codeine", "nausea and vomiting", "moderate"),
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


def _user(password_hash: str, email: str, name: str) -> User:
    user = accounts.user_create(SEED, email=email, full_name=name, password=None)
    user.password = password_hash  # one hash for all demo users: hashing costs 0.5 s each
    user.save(update_fields=["password"])
    return user


def _build() -> Clinic:
    rng = random.Random(0)  # noqa: S311 - demo data, not security
    password_hash = make_password(DEMO_PASSWORD)
    clinic = accounts.clinic_create(
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
    # The Boston clinic's second site (scheduling and billing will book and bill by site).
    sites.site_add(
        SEED,
        clinic,
        data={
            "name": "Back Bay",
            "address_line": "500 Boylston Street, Floor 3",
            "city": "Boston",
            "region": "MA",
            "postal_code": "02116",
            "country": "US",
            "time_zone": "America/New_York",
        },
    )
    lakeside = accounts.clinic_create(
        SEED,
        slug="demo-lakeside",
        name="Ketacare Demo Lakeside",
        time_zone="America/Chicago",
        address_line="55 Shore Drive",
        city="Chicago",
        region="IL",
        postal_code="60611",
    )
    members: dict[str, Membership] = {}
    for key, name, role in STAFF:
        user = _user(password_hash, f"{key}@{DEMO_DOMAIN}", name)
        members[key] = accounts.membership_create(SEED, user=user, clinic=clinic, role=role)
    # The owner runs both sites, so the demo shows the clinic switch.
    accounts.membership_create(SEED, user=members["owner"].user, clinic=lakeside, role=Role.OWNER)

    today = timezone.localdate(timezone=clinic.tz)
    front_desk = actor_for(members["frontdesk"])
    nurse = actor_for(members["nurse"])
    prescriber = actor_for(members["prescriber"])
    demo_patients = []
    for index, person in enumerate(PEOPLE, start=1):
        patient = _patient(rng, front_desk, index, person, today)
        demo_patients.append(patient)
        if index <= PORTAL_PATIENTS:
            portal = _user(
                password_hash, f"patient{index}@{DEMO_DOMAIN}", f"{person[0]} {person[1]}"
            )
            accounts.membership_create(SEED, user=portal, clinic=clinic, role=Role.PATIENT)
            patients.patient_link_portal_user(front_desk, patient.pk, user=portal)
        _history(rng, front_desk, nurse, prescriber, patient.pk, today)
    build_care(rng, front_desk, nurse, prescriber, demo_patients, today)
    lakeside_actor = actor_for(Membership.objects.get(clinic=lakeside, role=Role.OWNER))
    for index, person in enumerate(PEOPLE[-3:], start=1):
        _patient(rng, lakeside_actor, 100 + index, person, today)
    return clinic


def _patient(
    rng: random.Random, actor: Actor, index: int, person: tuple[str, ...], today: date
) -> Patient:
    given, family, sex, gender, pronouns = person
    age = rng.randint(21, 72)
    dob = today - timedelta(days=age * 365 + rng.randint(0, 364))
    saved = patients.patient_create(
        actor,
        data={
            "given_name": given,
            "family_name": family,
            "date_of_birth": dob,
            "sex_at_birth": sex,
            "gender_identity": gender,
            "pronouns": pronouns,
            "email": f"{given.lower()}.{index}@example.com".encode("ascii", "ignore").decode(),
            "phone": f"+1 617 555 {index:04d}",
            "address_line": f"{rng.randint(1, 999)} Elm Street",
            "city": "Boston",
            "region": "MA",
            "postal_code": f"02{rng.randint(100, 199)}",
            "preferred_language": "English",
        },
    )
    patient: Patient = saved.obj
    return patient


def _pick_indication(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for code, share in INDICATIONS:
        total += share
        if roll < total:
            return code
    return INDICATIONS[0][0]


def _history(
    rng: random.Random,
    front_desk: Actor,
    nurse: Actor,
    prescriber: Actor,
    patient_id: PatientId,
    today: date,
) -> None:
    add = patients.part_create
    first_visit = today - timedelta(days=rng.randint(30, 240))
    payer, prefix = rng.choice(PAYERS)
    add(
        front_desk,
        patient_id,
        "coverage",
        data={
            "payer_name": payer,
            "member_id": f"{prefix}{rng.randint(10**8, 10**9 - 1)}",
            "group_number": f"G{rng.randint(1000, 9999)}",
            "plan_name": "PPO",
            "is_primary": True,
            "start_date": date(today.year, 1, 1),
            "end_date": None,
        },
    )
    add(
        front_desk,
        patient_id,
        "contacts",
        data={
            "relationship": "emergency_contact",
            "name": rng.choice(["Alex", "Jordan", "Chris"])
            + " "
            + rng.choice(["Reed", "Lane", "Hart"]),
            "relation_to_patient": rng.choice(["spouse", "parent", "sibling", "friend"]),
            "phone": f"+1 617 555 {rng.randint(5000, 9999)}",
            "email": "",
            "is_active": True,
        },
    )
    add(
        front_desk,
        patient_id,
        "contacts",
        data={
            "relationship": "escort",
            "name": rng.choice(["Taylor", "Casey", "Robin"]) + " Driver",
            "relation_to_patient": "friend",
            "phone": f"+1 617 555 {rng.randint(5000, 9999)}",
            "email": "",
            "is_active": True,
        },
    )
    for kind in ("privacy_notice", "financial", "ketamine_treatment"):
        add(
            front_desk,
            patient_id,
            "consents",
            data={
                "kind": kind,
                "status": "given",
                "signed_on": first_visit,
                "form_version": "2026-01",
            },
        )
    weight = Decimal(rng.randint(520, 1150)) / 10
    height = Decimal(rng.randint(1520, 1930)) / 10
    for months_ago in range(0, (today - first_visit).days // 30 + 1, 2):
        drift = Decimal(rng.randint(-15, 15)) / 10
        add(
            nurse,
            patient_id,
            "measurements",
            data={
                "measured_on": today - timedelta(days=30 * months_ago),
                "weight_kg": weight + drift,
                "height_cm": height,
            },
        )
    indication = _pick_indication(rng)
    add(
        prescriber,
        patient_id,
        "conditions",
        data={
            "icd10_code": indication,
            "snomed_code": "",
            "display": "",
            "onset_date": first_visit - timedelta(days=365 * rng.randint(1, 12)),
            "status": "active",
        },
    )
    if rng.random() < 0.35:
        extra = rng.choice([c for c in COMORBID if c != indication])
        add(
            prescriber,
            patient_id,
            "conditions",
            data={
                "icd10_code": extra,
                "snomed_code": "",
                "display": "",
                "onset_date": first_visit - timedelta(days=30 * rng.randint(1, 40)),
                "status": "active",
            },
        )
    if rng.random() < 0.3:
        substance, reaction, severity = rng.choice(ALLERGIES)
        add(
            nurse,
            patient_id,
            "allergies",
            data={
                "substance": substance,
                "reaction": reaction,
                "severity": severity,
                "status": "active",
            },
        )
    start = first_visit - timedelta(days=30 * rng.randint(18, 60))
    for drug, drug_class, dose in rng.sample(TRIALS, rng.randint(1, 4)):
        weeks = rng.choice([4, 6, 8, 10, 12, 16])
        end = start + timedelta(weeks=weeks + rng.randint(0, 8))
        add(
            prescriber,
            patient_id,
            "trials",
            data={
                "drug": drug,
                "drug_class": drug_class,
                "dose_mg_per_day": Decimal(dose),
                "start_date": start,
                "end_date": end,
                "weeks_at_adequate_dose": Decimal(weeks),
                "improvement_percent": rng.choice([0, 5, 10, 15, 20, 25, 30, 40]),
                "current_episode": True,
                "reason_stopped": rng.choice(["ineffective", "ineffective", "side_effects"]),
                "notes": "",
            },
        )
        start = end + timedelta(days=rng.randint(7, 60))
