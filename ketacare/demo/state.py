"""What the demo's events share while they replay: the clinics, the staff acting, the patients
registered so far, their plans. Each event is a call of a real service by one of the staff."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ketacare.accounts import services as accounts
from ketacare.accounts.actor import Actor, actor_for, system_actor
from ketacare.accounts.models import Clinic, Membership, Role, Site, User
from ketacare.patients import services as patients
from ketacare.patients.models import Patient
from ketacare.scheduling.models import Appointment, Service

SEED = system_actor("ketacare seed")
DEMO_DOMAIN = "demo.ketacare.org"
PORTAL_PATIENTS = 6


@dataclass
class SeedState:
    password_hash: str
    clinics: dict[str, Clinic] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    patients: dict[int, Patient] = field(default_factory=dict)
    plans: dict[int, Any] = field(default_factory=dict)
    responses: dict[tuple[int, int], Any] = field(default_factory=dict)
    charts: dict[int, Patient] = field(default_factory=dict)  # opened at a follow-up visit
    sites: dict[str, Site] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    # The fortnight's appointments by (day, place in the day's slots); the booked course.
    appointments: dict[tuple[date, int], Appointment] = field(default_factory=dict)
    course: list[Appointment] = field(default_factory=list)
    # The controlled-substance ledger: lots by (site name, product key); the chair's sessions by
    # their appointment's key, and appointments booked outside the fortnight by name.
    products: dict[str, Any] = field(default_factory=dict)
    lots: dict[tuple[str, str], Any] = field(default_factory=dict)
    sessions: dict[Any, Any] = field(default_factory=dict)
    extra: dict[str, Appointment] = field(default_factory=dict)
    nurse_leave: date | None = None

    def user(self, email: str, name: str) -> User:
        user = accounts.user_create(SEED, email=email, full_name=name, password=None)
        user.password = self.password_hash  # one hash for all demo users: hashing costs 0.5 s
        user.save(update_fields=["password"])
        return user

    def staff(
        self, key: str, clinic: str, role: Role, *, name: str = "", user: User | None = None
    ) -> None:
        """A member of staff of a clinic (a new user unless given), acting as ``key``."""
        if user is None:
            user = self.user(f"{key}@{DEMO_DOMAIN}", name)
        membership = accounts.membership_create(
            SEED, user=user, clinic=self.clinics[clinic], role=role
        )
        self.actors[key] = actor_for(membership)

    def register(self, role: str, index: int, data: dict[str, Any]) -> None:
        saved = patients.patient_create(self.actors[role], data=data)
        self.patients[index] = saved.obj

    @staticmethod
    def has_portal(index: int) -> bool:
        return index <= PORTAL_PATIENTS

    def link_portal(self, index: int, data: dict[str, Any]) -> None:
        """The patient's own login to the portal, opened at registration."""
        name = f"{data['given_name']} {data['family_name']}"
        portal = self.user(f"patient{index}@{DEMO_DOMAIN}", name)
        accounts.membership_create(
            SEED, user=portal, clinic=self.clinics["demo"], role=Role.PATIENT
        )
        patients.patient_link_portal_user(
            self.actors["frontdesk"], self.patients[index].pk, user=portal
        )

    def part(self, role: str, index: int, key: str, data: dict[str, Any]) -> None:
        patients.part_create(self.actors[role], self.patients[index].pk, key, data=data)

    def membership(self, key: str) -> Membership:
        membership = self.actors[key].membership
        assert membership is not None
        return membership
