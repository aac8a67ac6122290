"""The REMS form and the signed note as PDFs: WeasyPrint prints them, and the HTML they are
printed from says exactly what the chart says (no PDF text extractor is installed)."""

from __future__ import annotations

import html as html_module
import re

import pytest

from ketacare.audit.models import AuditEvent
from ketacare.lib.errors import Conflict, NotPermitted, NotVisible
from ketacare.sessions import notes
from ketacare.sessions.models import Discharge
from ketacare.sessions.pdf import (
    rems_form_html,
    rems_form_pdf,
    session_note_html,
    session_note_pdf,
    signed_note,
)
from ketacare.sessions.rems import rems_form_view

from .test_inputs import COMPLETE
from .world import World, discharge_now, sign_note


def rows(html: str) -> dict[str, tuple[str, str]]:
    """Each field row: its key -> (class, the value cell's text)."""
    found = re.findall(
        r'<tr class="([^"]*)" id="field-([a-z0-9_]+)">\s*<th scope="row">.*?</th>\s*'
        r'<td class="value">(.*?)</td>',
        html,
        re.S,
    )
    return {key: (cls, re.sub(r"<[^>]+>", " | ", text).strip()) for cls, key, text in found}


def unescape(text: str) -> str:
    return html_module.unescape(text)


def test_the_rems_pdf_prints_every_field(complete: World) -> None:
    view, pdf = rems_form_pdf(complete.cast.actor(complete.cast.nurse), complete.session.pk)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    html = rems_form_html(view)
    assert {k: (c, unescape(t)) for k, (c, t) in rows(html).items()} == {
        key: ("", text) for key, text in COMPLETE.items()
    }
    assert '<div class="box ok" id="missing">Every field is filled.</div>' in html
    assert "Session of 03/03/2026 &middot; due 03/10/2026" in html or (
        "Session of 03/03/2026 · due 03/10/2026" in html
    )
    assert '<div class="page-footer">Dawson, Dan (MRN H-1001)</div>' in html


def test_the_print_is_audited(complete: World) -> None:
    rems_form_pdf(complete.cast.actor(complete.cast.owner), complete.session.pk)
    event = AuditEvent.objects.get(action="rems_form.pdf")
    assert (event.patient_id, event.data) == (
        complete.cast.dan.pk,
        {"session": complete.session.pk, "missing": 0},
    )


def test_missing_fields_are_marked(charted: World) -> None:
    view = rems_form_view(charted.cast.actor(charted.cast.nurse), charted.session.pk)
    html = rems_form_html(view)
    marked = {k: t for k, (c, t) in rows(html).items() if c == "missing"}
    assert marked == {
        "monitoring_end_time": "Not recorded (missing)",
        "total_monitoring_min": "Not recorded (missing)",
        "ready_without_rule_min": "Not recorded (missing)",
        "vitals_acceptable_before_completion": "Not recorded (missing)",
        "bp_before_completion": "Not recorded (missing)",
    }
    assert (
        '<div class="box" id="missing">5 fields still empty: End of monitoring; Total minutes '
        "from first device to end of monitoring (at least 120); REMS evaluation: minutes after "
        "the first device until the patient would have been ready to leave without the 2-hour "
        "requirement; Vital signs acceptable before session completion; Blood pressure before "
        "session completion.</div>"
    ) in html
    _, pdf = rems_form_pdf(charted.cast.actor(charted.cast.nurse), charted.session.pk)
    assert pdf.startswith(b"%PDF-")


def test_a_short_monitoring_time_is_flagged_on_the_print(charted: World) -> None:
    discharge_now(charted)
    # The discharge rules refuse under 2 h; a row corrected later can still show less.
    Discharge.objects.filter(session=charted.session).update(
        discharged_at=charted.session.first_dose_at.replace(hour=16, minute=50)  # type: ignore[union-attr]
    )
    view = rems_form_view(charted.cast.actor(charted.cast.nurse), charted.session.pk)
    assert rows(rems_form_html(view))["total_monitoring_min"] == (
        "",
        "110 min | Monitored 110 min: the REMS requires at least 120 min from the first device. |",
    )


def test_a_patient_gets_no_rems_pdf(complete: World) -> None:
    with pytest.raises(NotPermitted):
        rems_form_pdf(complete.cast.actor(complete.cast.dan_login), complete.session.pk)
    with pytest.raises(NotVisible):
        rems_form_pdf(complete.cast.actor(complete.cast.outsider), complete.session.pk)


# --- the signed note ---------------------------------------------------------------------------


def test_the_signed_note_prints_body_addenda_and_signer(complete: World) -> None:
    complete.at(12, 30)
    sign_note(complete)
    complete.at(13, 5)
    notes.addendum_add(
        complete.cast.actor(complete.cast.nurse),
        complete.session.pk,
        body="Called at 13:00: home safely, no nausea.",
    )
    signed, pdf = session_note_pdf(
        complete.cast.actor(complete.cast.prescriber), complete.session.pk
    )
    assert pdf.startswith(b"%PDF-")
    html = session_note_html(signed)
    body = re.search(r'<div class="note-body" id="body">(.*?)</div>', html, re.S)
    assert body is not None and unescape(body.group(1)) == signed.note.body
    assert len(signed.note.body) > 20
    assert (
        '<p class="signature" id="signature">Signed by Dr Bob Prescriber &lt;bob@example.com&gt; '
        "(prescriber) on 03/03/2026 at 12:30 (America/New_York).</p>"
    ) in html
    addendum = re.search(r'<div class="addendum" id="addendum-1">(.*?)</div>\s*</div>', html, re.S)
    assert addendum is not None
    assert "Nina Nurse &lt;nina@example.com&gt; (nurse), 03/03/2026 13:05" in addendum.group(1)
    assert "Called at 13:00: home safely, no nausea." in addendum.group(1)
    assert "Dawson, Dan &middot; MRN H-1001 &middot; born 04/02/1980" in html or (
        "Dawson, Dan · MRN H-1001 · born 04/02/1980" in html
    )
    event = AuditEvent.objects.get(action="session_note.pdf")
    assert (event.patient_id, event.data) == (
        complete.cast.dan.pk,
        {"session": complete.session.pk, "addenda": 1},
    )


def test_an_unsigned_note_is_not_printed(complete: World) -> None:
    with pytest.raises(Conflict) as caught:
        signed_note(complete.cast.actor(complete.cast.nurse), complete.session.pk)
    assert caught.value.message == "the note is not signed yet: only a signed note is printed"


def test_no_note_before_discharge(charted: World) -> None:
    with pytest.raises(NotVisible):
        signed_note(charted.cast.actor(charted.cast.nurse), charted.session.pk)


def test_the_note_pdf_is_for_staff_who_read_sessions(complete: World) -> None:
    complete.at(12, 30)
    sign_note(complete)
    for who, error in (
        (complete.cast.dan_login, NotPermitted),
        (complete.cast.front_desk, NotPermitted),
        (complete.cast.outsider, NotVisible),
    ):
        with pytest.raises(error):
            session_note_pdf(complete.cast.actor(who), complete.session.pk)
    assert not AuditEvent.objects.filter(action="session_note.pdf").exists()
