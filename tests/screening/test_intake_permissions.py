"""Who may enter an intake section by section: nurses and prescribers of the patient's clinic.
The patient, front desk and owner are refused (403), another clinic does not see the patient
(404), and a refused save stores nothing and audits no write (the full matrix of every route
is tests/web/test_permission_matrix.py)."""

from __future__ import annotations

from typing import Any

import pytest

from ketacare.audit.models import AuditEvent
from ketacare.screening.models import Intake, IntakeDraft
from tests.conftest import Cast
from tests.screening.sections import save_every_section, section_data

ROLES = ("anonymous", "patient", "outsider", "front_desk", "owner", "nurse", "prescriber")
REFUSED = {"patient": 403, "outsider": 404, "front_desk": 403, "owner": 403}


def _routes(cast: Cast) -> dict[str, str]:
    base = f"/patients/{cast.dan.pk}/intake"
    return {
        "new": f"{base}/new/",
        "section": f"{base}/vitals/",
        "review": f"{base}/review/",
    }


def _writes() -> int:
    return AuditEvent.objects.filter(
        action__in=("intake_draft.save", "intake_draft.close", "intake.record"),
        outcome="success",
    ).count()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["new", "section", "review"])
def test_opening_an_intake_page(cast: Cast, as_role: Any, role: str, page: str) -> None:
    url = _routes(cast)[page]

    response = as_role(role).get(url)

    if role == "anonymous":
        assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")
    elif role in REFUSED:
        assert response.status_code == REFUSED[role]
        assert AuditEvent.objects.filter(action="intake_draft.read").count() == 0
    elif page == "new":
        assert (response.status_code, response["Location"]) == (
            302,
            f"/patients/{cast.dan.pk}/intake/medications/",
        )
    else:
        assert response.status_code == 200
        assert response.context["patient"].pk == cast.dan.pk


@pytest.mark.parametrize("role", ROLES)
def test_saving_a_section(cast: Cast, as_role: Any, role: str) -> None:
    url = _routes(cast)["section"]

    response = as_role(role).post(url, section_data("vitals"))

    if role == "anonymous" or role in REFUSED:
        assert response.status_code == REFUSED.get(role, 302)
        assert IntakeDraft.objects.count() == 0
        assert _writes() == 0
    else:
        assert response["Location"] == f"/patients/{cast.dan.pk}/intake/phq9/"
        draft = IntakeDraft.objects.get(patient=cast.dan)
        assert draft.sections["vitals"]["data"]["systolic"] == "128"
        event = AuditEvent.objects.get(action="intake_draft.save")
        user = getattr(cast, role).user
        assert (event.actor_id, event.patient_id, draft.started_by_id) == (
            user.pk,
            cast.dan.pk,
            user.pk,
        )


@pytest.mark.parametrize("role", ROLES)
def test_recording_from_the_review(cast: Cast, as_role: Any, role: str) -> None:
    draft = save_every_section(cast.actor(cast.nurse), cast.dan)
    before = _writes()

    response = as_role(role).post(_routes(cast)["review"], {})

    if role == "anonymous" or role in REFUSED:
        assert response.status_code == REFUSED.get(role, 302)
        assert Intake.objects.count() == 0
        assert IntakeDraft.objects.get(pk=draft.pk).version == draft.version
        assert _writes() == before
    else:
        assert response["Location"] == f"/patients/{cast.dan.pk}/screening/"
        assert Intake.objects.get(patient=cast.dan).recorded_by_id == getattr(cast, role).user.pk
        assert IntakeDraft.objects.count() == 0
