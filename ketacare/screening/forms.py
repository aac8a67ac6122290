"""The clinician intake form: body, history, vitals, medications and the baseline scales item
by item. It only parses; the clinical core validates the document and scores the scales."""

from __future__ import annotations

from typing import Any

from django import forms

from ketacare.clinical import DRUG_CLASSES, get_instrument, ranges
from ketacare.clinical.intake import History
from ketacare.clinical.validation import Range
from ketacare.lib.forms import Form

from .drafts import section
from .services import INTAKE_SCALES, REQUIRED_SCALES

YES_NO = [("no", "No"), ("yes", "Yes")]
HISTORY_LABELS = {
    "psychosis": "Psychosis or schizophrenia (ever)",
    "mania_current": "Current mania or hypomania",
    "substance_use_disorder_active": "Active substance use disorder",
    "opioid_use_disorder": "Opioid use disorder (ever)",
    "aneurysmal_vascular_disease": "Aneurysmal vascular disease",
    "arteriovenous_malformation": "Arteriovenous malformation",
    "intracerebral_hemorrhage": "Intracerebral haemorrhage (ever)",
    "ketamine_allergy": "Allergy to ketamine or esketamine",
    "interstitial_cystitis": "Interstitial or ulcerative cystitis",
    "severe_hepatic_impairment": "Severe hepatic impairment",
    "raised_intracranial_pressure": "Raised intracranial pressure",
    "raised_intraocular_pressure": "Raised intraocular pressure (glaucoma)",
    "uncontrolled_cardiovascular_disease": "Uncontrolled hypertension or cardiac disease",
}
HISTORY_FIELDS = tuple(History.model_fields)
#: The accepted range of each measurement (``ketacare.clinical.ranges``, where each is
#: sourced), checked by the form so that every value out of range is named at once; the
#: clinical core checks them again when the intake is recorded.
MEASUREMENT_RANGES: dict[str, Range] = {
    "weight_kg": ranges.WEIGHT_KG,
    "height_cm": ranges.HEIGHT_CM,
    "systolic": ranges.SYSTOLIC_MMHG,
    "diastolic": ranges.DIASTOLIC_MMHG,
    "heart_rate": ranges.HEART_RATE_PER_MIN,
    "spo2": ranges.SPO2_PERCENT,
}
#: What the intake takes from the chart, named for an error the clinical core finds in it.
FROM_THE_CHART = {
    "diagnoses": "Diagnoses (from the chart)",
    "medication_trials": "Medication trials (from the chart)",
}
#: The fields of each section of plain fields (a scale's section holds its items).
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "medications": ("concomitant_drug_classes", "diazepam_equivalent_mg_per_day"),
    "history": (*(f"history__{name}" for name in HISTORY_FIELDS), "pregnant", "breastfeeding"),
    "vitals": tuple(MEASUREMENT_RANGES),
    "safety": (
        "recent_suicide_attempt_days",
        "suicidal_intent_attested",
        "suicidal_intent_reason",
        "home_sitter_available",
        "notes",
    ),
}


def _number(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)


def _yes_no(label: str) -> forms.ChoiceField:
    # No default: an unanswered question is not a "no".
    return forms.ChoiceField(label=label, choices=YES_NO, widget=forms.RadioSelect)


def scale_field_name(instrument_id: str, item_id: str) -> str:
    return f"scale__{instrument_id}__{item_id}"


class IntakeForm(Form):
    weight_kg = forms.DecimalField(label="Weight (kg)", max_digits=5, decimal_places=1)
    height_cm = forms.DecimalField(label="Height (cm)", max_digits=4, decimal_places=1)
    systolic = forms.IntegerField(label="Systolic BP (mmHg)")
    diastolic = forms.IntegerField(label="Diastolic BP (mmHg)")
    heart_rate = forms.IntegerField(label="Heart rate (beats/min)")
    spo2 = forms.IntegerField(label="SpO₂ (%)")
    pregnant = _yes_no("Pregnant")
    breastfeeding = _yes_no("Breastfeeding")
    home_sitter_available = _yes_no("A sitter is available for at-home doses")
    recent_suicide_attempt_days = forms.IntegerField(
        label="Days since the most recent suicide attempt",
        required=False,
        min_value=0,
        help_text="Leave blank if there has never been an attempt.",
    )
    concomitant_drug_classes = forms.MultipleChoiceField(
        label="Current medication classes",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=sorted(((k, v.label) for k, v in DRUG_CLASSES.items()), key=lambda c: str(c[1])),
    )
    diazepam_equivalent_mg_per_day = forms.DecimalField(
        label="Benzodiazepine dose, diazepam equivalent (mg/day)",
        required=False,
        max_digits=5,
        decimal_places=1,
        help_text="Convert with the Ashton table (e.g. lorazepam 1 mg = diazepam 10 mg, "
        "alprazolam 0.5 mg = diazepam 10 mg). Leave blank if none.",
    )
    suicidal_intent_attested = forms.BooleanField(
        label="A clinician attests active suicidal ideation with intent",
        required=False,
        help_text="The Spravato indication for acute suicidal ideation needs intent: C-SSRS "
        "question 4 or 5 yes, or this attestation with its reason.",
    )
    suicidal_intent_reason = forms.CharField(
        label="Reason for the attestation",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(
        label="Notes", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in HISTORY_FIELDS:
            self.fields[f"history__{name}"] = _yes_no(
                HISTORY_LABELS.get(name, name.replace("_", " "))
            )
        self.scales: list[dict[str, Any]] = []
        self.scale_errors: dict[str, list[str]] = {}
        for instrument_id in INTAKE_SCALES:
            definition = get_instrument(instrument_id)
            option_sets = {s.id: s for s in definition.option_sets}
            names = []
            for item in definition.items:
                options = option_sets[item.options]
                name = scale_field_name(instrument_id, item.id)
                label = f"{item.id}. {item.text or item.label}"
                if options.options:
                    self.fields[name] = forms.TypedChoiceField(
                        label=label,
                        required=False,
                        coerce=int,
                        empty_value=None,
                        choices=[(o.value, o.label) for o in options.options],
                        widget=forms.RadioSelect,
                    )
                else:
                    self.fields[name] = forms.IntegerField(
                        label=label,
                        required=False,
                        min_value=options.min,
                        max_value=options.max,
                    )
                names.append(name)
            self.scales.append(
                {
                    "id": instrument_id,
                    "name": definition.name,
                    "required": instrument_id in REQUIRED_SCALES,
                    "instructions": definition.instructions,
                    "fields": names,
                }
            )

    def restrict(self, key: str) -> IntakeForm:
        """Keep only the fields (and scales) of one section of the intake."""
        found = section(key)
        if found is None:
            raise KeyError(key)
        self.scales = [scale for scale in self.scales if scale["id"] in found.scales]
        keep = set(SECTION_FIELDS.get(key, ())) | {
            name for scale in self.scales for name in scale["fields"]
        }
        self.fields = {name: field for name, field in self.fields.items() if name in keep}
        return self

    def clean(self) -> dict[str, Any]:
        """Every measurement outside its range at once, and the one rule over the vitals."""
        data: dict[str, Any] = super().clean() or {}
        for name, allowed in MEASUREMENT_RANGES.items():
            value = data.get(name)
            if value is not None and not allowed.low <= value <= allowed.high:
                self.add_error(
                    name, f"{_number(value)} is outside the allowed range {allowed.describe()}"
                )
        dose, allowed = (
            data.get("diazepam_equivalent_mg_per_day"),
            ranges.DIAZEPAM_EQUIVALENT_MG_PER_DAY,
        )
        if dose is not None and not allowed.low <= dose <= allowed.high:
            self.add_error(
                "diazepam_equivalent_mg_per_day",
                f"{_number(dose)} is outside the allowed range {allowed.describe()}",
            )
        if (
            data.get("suicidal_intent_attested")
            and not (data.get("suicidal_intent_reason") or "").strip()
        ):
            self.add_error(
                "suicidal_intent_reason", "is required when intent is attested; give the reason"
            )
        systolic, diastolic = data.get("systolic"), data.get("diastolic")
        if systolic is not None and diastolic is not None and diastolic >= systolic:
            self.add_error(
                "diastolic", f"diastolic {diastolic} must be below systolic {systolic} mmHg"
            )
        return data

    def values(self) -> dict[str, Any]:
        """The submitted value of every field the form accepted, as typed (a refused value is
        left out), to be kept in the intake's draft."""
        values: dict[str, Any] = {}
        for name in self.fields:
            if name in self.errors:
                continue
            value = self[name].data
            if value is not None:
                values[name] = list(value) if isinstance(value, list | tuple) else value
        return values

    def error_messages(self) -> dict[str, list[str]]:
        return {name: [str(m) for m in messages] for name, messages in self.errors.items()}

    def scale_sections(self) -> list[dict[str, Any]]:
        return [
            {
                **scale,
                "bound": [self[name] for name in scale["fields"]],
                "errors": self.scale_errors.get(scale["id"], []),
                "begun": self.is_bound
                and any(self.data.get(name) not in (None, "") for name in scale["fields"]),
                # Answers saved in a draft come back as initial values.
                "saved": any(self.initial.get(name) not in (None, "") for name in scale["fields"]),
            }
            for scale in self.scales
        ]

    def document_fields(self, diagnoses: list[str], trials: list[dict[str, Any]]) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "weight_kg": float(data["weight_kg"]),
            "height_cm": float(data["height_cm"]),
            "pregnant": data["pregnant"] == "yes",
            "breastfeeding": data["breastfeeding"] == "yes",
            "diagnoses": diagnoses,
            "medication_trials": trials,
            "history": {name: data[f"history__{name}"] == "yes" for name in HISTORY_FIELDS},
            "recent_suicide_attempt_days": data["recent_suicide_attempt_days"],
            "concomitant_drug_classes": list(data["concomitant_drug_classes"]),
            "vitals": {k: data[k] for k in ("systolic", "diastolic", "heart_rate", "spo2")},
            "home_sitter_available": data["home_sitter_available"] == "yes",
            "suicidal_intent_attested": bool(data.get("suicidal_intent_attested")),
            "suicidal_intent_reason": (data.get("suicidal_intent_reason") or "").strip(),
            "diazepam_equivalent_mg_per_day": (
                None
                if (dose := data.get("diazepam_equivalent_mg_per_day")) is None
                else float(dose)
            ),
        }

    def scale_answers(self) -> dict[str, dict[str, int | None]]:
        """Answers by item id for every required scale and every optional one begun."""
        answers: dict[str, dict[str, int | None]] = {}
        for scale in self.scales:
            values = {name.split("__")[2]: self.cleaned_data.get(name) for name in scale["fields"]}
            if scale["required"] or any(v is not None for v in values.values()):
                answers[scale["id"]] = values
        return answers

    def add_service_errors(self, errors: dict[str, str]) -> None:
        """Attach the clinical core's field names (``vitals.systolic``,
        ``scales.phq9.answers.9``) to this form's fields; a whole-scale error goes on its scale."""
        for name, message in errors.items():
            parts = name.split(".")
            if parts[0] == "scales" and len(parts) > 1:
                item = ".".join(parts[2:]).removeprefix("answers").lstrip(".")
                field = scale_field_name(parts[1], item) if item else ""
                if field in self.fields:
                    self.add_error(field, message)
                else:
                    self.scale_errors.setdefault(parts[1], []).append(message)
                    names = {scale["id"]: scale["name"] for scale in self.scales}
                    self.add_error(None, f"{names.get(parts[1], parts[1])}: {message}")
                continue
            target = self._form_field(parts)
            if target is None:
                message = f"{FROM_THE_CHART.get(parts[0], name)}: {message}"
            self.add_error(target, message)

    def _form_field(self, parts: list[str]) -> str | None:
        if parts[0] == "vitals" and len(parts) > 1 and parts[1] in self.fields:
            return parts[1]
        if parts == ["vitals"]:
            # The only rule over the vitals together: diastolic below systolic.
            return "diastolic"
        if parts[0] == "history" and len(parts) > 1 and f"history__{parts[1]}" in self.fields:
            return f"history__{parts[1]}"
        return parts[0] if parts[0] in self.fields else None
