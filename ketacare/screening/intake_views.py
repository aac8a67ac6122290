"""The intake pages: one page per section, saved as a draft and resumed where it was left, then
a review that records the intake through the same service as a whole-form submission."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ketacare.accounts.actor import Actor, actor_from_request
from ketacare.accounts.permissions import Perm
from ketacare.alerts.services import raised_by
from ketacare.clinical import DRUG_CLASSES
from ketacare.lib.errors import FieldErrors
from ketacare.patients import queries as patient_queries
from ketacare.patients.models import Patient
from ketacare.patients.services import clinic_today

from . import drafts
from .chart import ChartFacts, chart_facts
from .forms import FROM_THE_CHART, SECTION_FIELDS, IntakeForm
from .models import IntakeDraft


def _initial(patient: Patient, facts: ChartFacts) -> dict[str, Any]:
    """What the chart already answers: ongoing medication classes, the latest weight and
    height; pregnancy and breastfeeding are "no" for a patient male at birth."""
    initial: dict[str, Any] = {"concomitant_drug_classes": facts.ongoing_classes}
    if facts.latest is not None:
        initial.update(weight_kg=facts.latest.weight_kg, height_cm=facts.latest.height_cm)
    if patient.sex_at_birth == "male":
        initial.update(pregnant="no", breastfeeding="no")
    return initial


def _trial_rows(facts: ChartFacts) -> list[tuple[Any, str]]:
    """The chart's trials, each with its drug class's label (a code a person does not read)."""
    return [
        (t, str(DRUG_CLASSES[t.drug_class].label) if t.drug_class in DRUG_CLASSES else t.drug_class)
        for t in facts.all_trials
    ]


def _load(request: HttpRequest, pk: str) -> tuple[Actor, Patient, ChartFacts]:
    actor = actor_from_request(request)
    patient = patient_queries.patient_for_edit(actor, pk, Perm.INTAKE_RECORD)
    return actor, patient, chart_facts(patient, clinic_today(actor))


def _validate(form: IntakeForm, patient: Patient) -> bool:
    """The form's own checks, then (when those pass) what the clinical core says about the
    scales it asks: every error of the form at once."""
    if form.is_valid() and form.scales:
        form.add_service_errors(drafts.scale_problems(patient, form.scale_answers()))
    return not form.errors


def _record(
    request: HttpRequest, actor: Actor, patient: Patient, facts: ChartFacts, form: IntakeForm
) -> HttpResponse | None:
    """Record the intake from a valid whole form; None (with the errors on the form) if the
    clinical core refuses it."""
    try:
        outcome = drafts.draft_submit(
            actor,
            patient.pk,
            fields=form.document_fields(facts.diagnoses, facts.trials),
            scales=form.scale_answers(),
            notes=form.cleaned_data["notes"],
        )
    except FieldErrors as exc:
        form.add_service_errors(exc.errors)
        return None
    for alert in raised_by(outcome.responses):
        messages.error(request, f"Alert raised to the prescriber: {alert.message}")
    messages.success(request, f"Intake {outcome.intake.number} recorded and screened.")
    return redirect("screening:detail", pk=patient.pk)


@login_required
@require_http_methods(["GET", "POST"])
def intake_new(request: HttpRequest, pk: str) -> HttpResponse:
    """GET: resume the intake in progress where it was left (the first section not saved).
    POST: a whole intake in one request (a form opened before the sections, a script)."""
    actor, patient, facts = _load(request, pk)
    if request.method == "GET":
        draft = drafts.read_draft(actor, patient)
        key = drafts.progress(draft).resume_key
        if key == drafts.REVIEW:
            return redirect("screening:intake_review", pk=patient.pk)
        return redirect("screening:intake_section", pk=patient.pk, key=key)
    form = IntakeForm(request.POST, initial=_initial(patient, facts))
    if form.is_valid() and (done := _record(request, actor, patient, facts, form)):
        return done
    return render(
        request,
        "screening/intake_form.html",
        {
            "form": form,
            "patient": patient,
            "facts": facts,
            "trial_rows": _trial_rows(facts),
            "blocks": _blocks(form, None),
            "action": request.path,
            "submit_label": "Record intake and screen",
        },
        status=400,
    )


def _blocks(form: IntakeForm, key: str | None) -> list[dict[str, Any]]:
    """The sections a form shows: one on a section page, all of them for a whole form."""
    keys = [key] if key else list(drafts.SECTION_KEYS)
    scales = {s["id"]: s for s in form.scale_sections()}
    blocks = []
    for k in keys:
        found = drafts.section(k)
        assert found is not None
        blocks.append(
            {
                "key": k,
                "title": found.title,
                "scales": [scales[i] for i in found.scales if i in scales],
                "fields": [
                    form[n]
                    for n in form.fields
                    if not n.startswith("scale__") and _field_section(n) == k
                ],
            }
        )
    return blocks


def _field_section(name: str) -> str:
    """The section a form field belongs to (a scale item: its scale's section)."""
    if name.startswith("scale__"):
        instrument = name.split("__")[1]
        return next((s.key for s in drafts.SECTIONS if instrument in s.scales), "")
    return next((k for k, names in SECTION_FIELDS.items() if name in names), "")


@login_required
@require_http_methods(["GET", "POST"])
def intake_section(request: HttpRequest, pk: str, key: str) -> HttpResponse:
    """One section: saving it stores its accepted values in the draft and goes on to the next
    section; a value refused is named with every other error of the section, and not stored."""
    found = drafts.section(key)
    if found is None:
        raise Http404("no such intake section")
    actor, patient, facts = _load(request, pk)
    status = 200
    draft: IntakeDraft | None
    if request.method == "POST":
        form = IntakeForm(request.POST, initial=_initial(patient, facts)).restrict(key)
        valid = _validate(form, patient)
        draft = drafts.draft_save(
            actor, patient.pk, key, data=form.values(), errors=form.error_messages()
        )
        if valid:
            after = drafts.SECTION_KEYS.index(key) + 1
            if after < len(drafts.SECTION_KEYS):
                return redirect(
                    "screening:intake_section", pk=patient.pk, key=drafts.SECTION_KEYS[after]
                )
            return redirect("screening:intake_review", pk=patient.pk)
        status = 400
    else:
        draft = drafts.read_draft(actor, patient)
        form = _section_form(patient, facts, draft, key)
    index = drafts.SECTION_KEYS.index(key)
    return render(
        request,
        "screening/intake_form.html",
        {
            "form": form,
            "patient": patient,
            "facts": facts,
            "section": found,
            "trial_rows": _trial_rows(facts),
            "progress": drafts.progress(draft),
            "current": key,
            "step": index + 1,
            "blocks": _blocks(form, key),
            "action": request.path,
            "back": drafts.SECTION_KEYS[index - 1] if index else None,
            "submit_label": "Save and continue",
        },
        status=status,
    )


def _section_form(
    patient: Patient, facts: ChartFacts, draft: IntakeDraft | None, key: str
) -> IntakeForm:
    """A saved section shows what was saved; one saved with errors shows them again."""
    entry = (draft.sections if draft else {}).get(key)
    if entry is None:
        return IntakeForm(initial=_initial(patient, facts)).restrict(key)
    if entry.get("errors"):
        form = IntakeForm(entry["data"], initial=_initial(patient, facts)).restrict(key)
        _validate(form, patient)
        return form
    return IntakeForm(initial={**_initial(patient, facts), **entry["data"]}).restrict(key)


@login_required
@require_http_methods(["GET", "POST"])
def intake_review(request: HttpRequest, pk: str) -> HttpResponse:
    """Every saved answer at a glance; recording needs every section saved without errors."""
    actor, patient, facts = _load(request, pk)
    draft = drafts.read_draft(actor, patient)
    progress = drafts.progress(draft)
    form = IntakeForm(drafts.merged_data(draft), initial=_initial(patient, facts))
    status = 200
    if request.method == "POST":
        status = 400
        if progress.complete and form.is_valid():
            done = _record(request, actor, patient, facts, form)
            if done is not None:
                return done
    return render(
        request,
        "screening/intake_review.html",
        {
            "form": form,
            "patient": patient,
            "facts": facts,
            "progress": progress,
            "current": drafts.REVIEW,
            "step": progress.total + 1,
            "summary": _summary(form) if progress.complete else [],
            "back": drafts.SECTION_KEYS[-1],
            "errors_by_section": _errors_by_section(form) if request.method == "POST" else [],
        },
        status=status,
    )


def _summary(form: IntakeForm) -> list[dict[str, Any]]:
    """Each section's questions and answers, as labels (the choice shown, not its code)."""
    rows = []
    for block in _blocks(form, None):
        answers = []
        for field in block["fields"] + [f for s in block["scales"] for f in s["bound"]]:
            answers.append({"label": field.label, "value": _shown(field)})
        rows.append({"key": block["key"], "title": block["title"], "answers": answers})
    return rows


def _shown(field: Any) -> str:
    value = field.data
    choices = {str(k): str(v) for k, v in getattr(field.field, "choices", []) or []}
    if isinstance(value, list | tuple):
        return ", ".join(choices.get(str(v), str(v)) for v in value) or "None"
    if value in (None, ""):
        return "—"
    return choices.get(str(value), str(value))


def _errors_by_section(form: IntakeForm) -> list[dict[str, Any]]:
    """The clinical core's refusal, put under the section that holds the field (an error in
    what the chart supplies, under the medications section that shows it)."""
    out = []
    for name, errors in form.errors.items():
        for message in (str(e) for e in errors):
            if name in form.fields:
                key, label = _field_section(name) or None, form.fields[name].label
            elif message.startswith(tuple(FROM_THE_CHART.values())):
                key, label = "medications", ""
            else:
                key, label = None, ""
            out.append({"key": key, "label": label, "messages": [message]})
    return out
