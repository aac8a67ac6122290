"""PDFs of a session's paperwork: the Spravato REMS Patient Monitoring Form (every field, the
empty ones marked) for the person who submits it by fax or copies it into the REMS portal, and
the signed session note (its body, addenda and signer).

The HTML is rendered from templates (``templates/sessions/pdf/``) and printed by WeasyPrint;
``*_html`` return the HTML alone, so what the PDF says can be checked as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.template.loader import render_to_string

from ketacare.accounts.actor import Actor
from ketacare.accounts.permissions import Perm
from ketacare.audit import services as audit
from ketacare.lib.errors import Conflict, NotVisible

from .access import session_for
from .models import Addendum, SessionNote, TreatmentSession
from .rems import RemsFormView, rems_form_view


def _pdf(html: str) -> bytes:
    # Imported here: WeasyPrint loads its fonts and Pango when first imported.
    from weasyprint import HTML

    pdf = HTML(string=html).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def _footer(session: TreatmentSession) -> str:
    patient = session.patient
    return f"{patient.family_name}, {patient.given_name} (MRN {patient.mrn})"


def _local_date(session: TreatmentSession) -> Any:
    tz = ZoneInfo(session.site.time_zone)
    return (session.first_dose_at or session.started_at).astimezone(tz).date()


# --- the REMS form -----------------------------------------------------------------------------


def rems_form_html(view: RemsFormView) -> str:
    session = view.session
    tz = ZoneInfo(session.site.time_zone)
    submitted_at = view.form.submitted_at
    return render_to_string(
        "sessions/pdf/rems_form.html",
        {
            "form": view.form,
            "session": session,
            "content": view.content,
            "session_date": _local_date(session),
            "submitted": view.submitted,
            "submitted_at_local": submitted_at.astimezone(tz) if submitted_at else None,
            "footer": _footer(session),
        },
    )


def rems_form_pdf(actor: Actor, session_id: int) -> tuple[RemsFormView, bytes]:
    """The session's REMS form as a PDF, for staff who read sessions (audited as a print)."""
    view = rems_form_view(actor, session_id, action="rems_form.pdf")
    return view, _pdf(rems_form_html(view))


# --- the signed note ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedNote:
    session: TreatmentSession
    note: SessionNote
    addenda: list[Addendum]


def signed_note(actor: Actor, session_id: int) -> SignedNote:
    """The session's signed note and its addenda; an unsigned note is refused (409), since
    only what was signed is printed."""
    # Staff who read sessions (a patient reads a session's summary only).
    session = session_for(actor, session_id, perm=Perm.SESSION_READ)
    note = SessionNote.objects.filter(session=session).first()
    if note is None:
        raise NotVisible("No note yet: the note is drafted at discharge")
    if not note.is_signed:
        raise Conflict("note", "the note is not signed yet: only a signed note is printed")
    return SignedNote(session, note, list(note.addenda.order_by("written_at", "pk")))


def session_note_html(signed: SignedNote) -> str:
    session, note = signed.session, signed.note
    tz = ZoneInfo(session.site.time_zone)
    assert note.signed_at is not None
    signed_at: datetime = note.signed_at.astimezone(tz)
    return render_to_string(
        "sessions/pdf/session_note.html",
        {
            "session": session,
            "patient": session.patient,
            "site": session.site,
            "note": note,
            "signed_at": signed_at,
            "tz_name": session.site.time_zone,
            "session_date": _local_date(session),
            "addenda": [
                {
                    "body": a.body,
                    "written_by_label": a.written_by_label,
                    "written_local": a.written_at.astimezone(tz),
                }
                for a in signed.addenda
            ],
            "footer": _footer(session),
        },
    )


def session_note_pdf(actor: Actor, session_id: int) -> tuple[SignedNote, bytes]:
    """The signed note as a PDF (audited as a print of the patient's record)."""
    signed = signed_note(actor, session_id)
    with transaction.atomic():
        audit.record(
            actor,
            "session_note.pdf",
            patient_id=signed.session.patient_id,
            target=signed.note,
            data={"session": signed.session.pk, "addenda": len(signed.addenda)},
        )
    return signed, _pdf(session_note_html(signed))
