"""Patient pages: list and search, register, chart, edit details, add and edit chart rows.

Each view: log-in check, the access helper (404 / 403), a form that parses, one service call,
then a redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from ketacare.accounts.actor import actor_from_request
from ketacare.accounts.permissions import Perm, require_perm
from ketacare.lib.errors import Conflict, Duplicate, FieldErrors, StaleVersion

from . import queries, services
from .forms import (
    ConfirmNewPersonForm,
    SearchForm,
    StatusForm,
    VersionForm,
    part_form_class,
    patient_form_class,
)
from .parts import PARTS
from .services import PATIENT_FIELDS


def _attempt(
    form: forms.Form, action: Callable[[], services.Saved]
) -> tuple[services.Saved | None, int]:
    """Run a service; put its refusals on the form (a duplicate's existing records on
    ``form.duplicates``, for links). Returns the result and the HTTP status."""
    try:
        return action(), 200
    except FieldErrors as exc:
        for name, message in exc.errors.items():
            form.add_error(name if name in form.fields else None, message)
        return None, 400
    except StaleVersion as exc:
        form.add_error(None, str(exc))
        return None, 409
    except Conflict as exc:
        form.add_error(None, exc.message[:1].upper() + exc.message[1:] + ".")
        form.duplicates = exc.existing if isinstance(exc, Duplicate) else []  # type: ignore[attr-defined]
        return None, 409


def _all_errors(form: forms.Form, problems: Callable[[dict[str, Any]], dict[str, str]]) -> bool:
    """Validate the form and, when it refuses some fields, the domain's rules on the fields
    that parsed too, so one submit shows every error (not the form's, then the rules', then a
    taken MRN's, one submit each). True when the form is valid."""
    if form.is_valid():
        return True
    parsed = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    for name, message in problems(parsed).items():
        if name not in form.errors:
            form.add_error(name if name in form.fields else None, message)
    return False


def _flash(request: HttpRequest, saved: services.Saved, done: str) -> None:
    messages.success(request, done)
    for flag in saved.flags:
        messages.warning(request, flag)


@login_required
@require_safe
def patient_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    require_perm(actor.membership, Perm.PATIENT_LIST)
    form = SearchForm(request.GET or None)
    page, error = None, ""
    params = queries.SearchParams()
    if form.is_bound and not form.is_valid():
        error = "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items())
    else:
        data = form.cleaned_data if form.is_bound else {}
        params = queries.SearchParams(
            q=data.get("q") or "",
            sort=data.get("sort") or "name",
            status=data.get("status") or "active",
            page=data.get("page") or 1,
        )
        try:
            page = queries.search_patients(actor, params)
        except FieldErrors as exc:
            error = str(exc)
    patients = list(page.object_list) if page is not None else []
    columns = queries.list_columns_for(actor, patients)
    rows = [(p, [(column, cells.get(p.pk, "")) for column, cells in columns]) for p in patients]
    empty_title, any_patients = "", False
    if page is not None and not patients:
        if params.q:
            empty_title = f"No patient matches “{params.q}”"
        else:
            any_patients = queries.clinic_has_patients(actor)
            empty_title = f"No {params.status} patients" if params.status != "all" else ""
    return render(
        request,
        "patients/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "columns": [column for column, _ in columns],
            "params": params,
            "error": error,
            "sorts": queries.SORTS,
            "empty_title": empty_title,
            "any_patients": any_patients,
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def patient_create(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    require_perm(actor.membership, Perm.PATIENT_CREATE)
    form = patient_form_class()(request.POST or None)
    confirm = ConfirmNewPersonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        valid = _all_errors(form, lambda parsed: services.patient_problems(actor, parsed))
        if valid and confirm.is_valid():
            saved, status = _attempt(
                form,
                lambda: services.patient_create(
                    actor,
                    data=form.cleaned_data,
                    confirm_new_person=confirm.cleaned_data["confirm_new_person"],
                    reason=confirm.cleaned_data["reason"],
                ),
            )
            if saved is not None:
                _flash(request, saved, f"Registered {saved.obj.display_name} ({saved.obj.mrn}).")
                return redirect("patients:detail", pk=saved.obj.pk)
    duplicates = getattr(form, "duplicates", [])
    return render(
        request,
        "patients/form.html",
        {
            "form": form,
            "confirm": confirm if duplicates or confirm["confirm_new_person"].value() else None,
            "duplicates": duplicates,
            "title": "Register a patient",
        },
        status=status,
    )


@login_required
@require_safe
def patient_detail(request: HttpRequest, pk: str) -> HttpResponse:
    actor = actor_from_request(request)
    chart = queries.open_chart(actor, pk)
    context = {"chart": chart, "patient": chart.patient, "can_edit": chart.can_edit}
    return render(request, "patients/detail.html", context)


Update = Callable[[dict[str, Any], int, str], services.Saved]


def _versioned_edit(
    request: HttpRequest,
    *,
    obj: Any,
    names: tuple[str, ...],
    form_class: type[forms.Form],
    update: Update,
    done: str,
    success_url: str,
    context: dict[str, Any],
    problems: Callable[[dict[str, Any]], dict[str, str]] | None = None,
) -> HttpResponse:
    """The edit form of a versioned record: only changed fields are sent, with the version the
    page was loaded at, so a stale page answers 409 instead of overwriting."""
    form = form_class(request.POST or None, initial={n: getattr(obj, n) for n in names})
    meta = VersionForm(request.POST or None, initial={"version": obj.version})
    status = 200
    if request.method == "POST":
        status = 400
        valid = _all_errors(form, problems) if problems else form.is_valid()
        if valid and meta.is_valid():
            changed = {n: form.cleaned_data[n] for n in form.changed_data}
            saved, status = _attempt(
                form,
                lambda: update(changed, meta.cleaned_data["version"], meta.cleaned_data["reason"]),
            )
            if saved is not None:
                _flash(request, saved, done)
                return redirect(success_url)
    return render(
        request, "patients/form.html", {"form": form, "meta": meta, **context}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def patient_edit(request: HttpRequest, pk: str) -> HttpResponse:
    actor = actor_from_request(request)
    patient = queries.patient_for_edit(actor, pk, Perm.PATIENT_EDIT)
    return _versioned_edit(
        request,
        obj=patient,
        names=PATIENT_FIELDS,
        form_class=patient_form_class(),
        update=lambda data, version, reason: services.patient_update(
            actor, pk, data=data, expected_version=version, reason=reason
        ),
        done="Saved.",
        success_url=patient.get_absolute_url(),
        context={"patient": patient, "title": f"Edit {patient.display_name}"},
        problems=lambda parsed: services.patient_problems(actor, parsed, patient_id=pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def patient_status(request: HttpRequest, pk: str) -> HttpResponse:
    """Make the record inactive (with the reason) or active again."""
    actor = actor_from_request(request)
    patient = queries.patient_for_edit(actor, pk, Perm.PATIENT_EDIT)
    active = not patient.is_active
    form = StatusForm(request.POST or None, initial={"version": patient.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            saved, status = _attempt(
                form,
                lambda: services.patient_set_active(
                    actor,
                    pk,
                    active=active,
                    expected_version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                ),
            )
            if saved is not None:
                state = "active again" if active else "inactive"
                _flash(request, saved, f"{saved.obj.display_name}'s record is {state}.")
                return redirect(patient.get_absolute_url())
    verb = "Make active again" if active else "Make inactive"
    return render(
        request,
        "patients/form.html",
        {
            "form": form,
            "patient": patient,
            "title": f"{verb}: {patient.display_name}",
            "submit_label": verb,
            "intro": (
                f"Made inactive because: {patient.inactive_reason}"
                if active
                else "An inactive record is hidden from the patient list (the Inactive filter "
                "finds it) and nothing in it is deleted. Say why."
            ),
        },
        status=status,
    )


def _spec(key: str) -> Any:
    spec = PARTS.get(key)
    if spec is None:
        raise Http404("No such section")
    return spec


@login_required
@require_http_methods(["GET", "POST"])
def part_add(request: HttpRequest, pk: str, key: str) -> HttpResponse:
    spec = _spec(key)
    actor = actor_from_request(request)
    patient = queries.patient_for_edit(actor, pk, spec.edit_perm)
    form = part_form_class(key)(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if _all_errors(form, lambda parsed: services.part_problems(actor, pk, key, parsed)):
            saved, status = _attempt(
                form, lambda: services.part_create(actor, pk, key, data=form.cleaned_data)
            )
            if saved is not None:
                _flash(request, saved, f"Added the {spec.singular}.")
                return redirect(f"{patient.get_absolute_url()}#{key}")
    return render(
        request,
        "patients/form.html",
        {
            "form": form,
            "patient": patient,
            "title": f"Add {spec.singular_with_article}",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def part_edit(request: HttpRequest, pk: str, key: str, part_id: int) -> HttpResponse:
    spec = _spec(key)
    actor = actor_from_request(request)
    patient, part = queries.read_part(actor, pk, key, part_id)
    return _versioned_edit(
        request,
        obj=part,
        names=spec.fields,
        form_class=part_form_class(key),
        update=lambda data, version, reason: services.part_update(
            actor, pk, key, part_id, data=data, expected_version=version, reason=reason
        ),
        done=f"Saved the {spec.singular}.",
        success_url=f"{patient.get_absolute_url()}#{key}",
        context={"patient": patient, "title": f"Edit the {spec.singular}"},
        problems=lambda parsed: services.part_problems(actor, pk, key, parsed, part_id=part_id),
    )
