"""The scoring engine: one implementation for every instrument, driven by its data file.

``score`` validates the answers, applies the written missing-item policy, sums the scoring
domains (QIDS-SR16 takes the highest item of its sleep, appetite/weight and psychomotor
groups), finds the severity band, raises flags and adds instrument-specific results (the
PEG also reports the mean of its items, which is its published score).
``compare`` turns a baseline and a current total into change, response and remission.
"""

from __future__ import annotations

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.instruments import cssrs, pcl5
from ketacare.clinical.instruments.answers import Answers, check_missing, normalise_answers
from ketacare.clinical.instruments.model import FlagRule, InstrumentDefinition
from ketacare.clinical.instruments.registry import get_instrument
from ketacare.clinical.instruments.results import Change, ItemScore, Score
from ketacare.clinical.settings import DEFAULT_SETTINGS, ClinicSettings


def _total(definition: InstrumentDefinition, values: dict[str, int | None]) -> int:
    total = 0
    for domain in definition.effective_domains:
        numbers = [value for item in domain.items if (value := values[item]) is not None]
        if numbers:
            total += max(numbers) if domain.combine == "max" else sum(numbers)
    return total


def _flag_raised(
    rule: FlagRule, values: dict[str, int | None], total: int, settings: ClinicSettings
) -> bool:
    threshold = rule.threshold.resolve(settings)
    if rule.when == "item_at_least":
        assert rule.item is not None
        value = values[rule.item]
        return value is not None and value >= threshold
    if rule.when == "total_at_least":
        return total >= threshold
    return total <= threshold


def _items(
    definition: InstrumentDefinition, values: dict[str, int | None]
) -> tuple[ItemScore, ...]:
    rows: list[ItemScore] = []
    for item in definition.items:
        value = values[item.id]
        labels = {option.value: option.label for option in definition.option_set(item).options}
        rows.append(
            ItemScore(
                id=item.id,
                label=item.label,
                value=value,
                answer_label=labels[value] if value is not None else None,
                scored=item.scored,
                loinc=item.loinc,
            )
        )
    return tuple(rows)


def score(instrument_id: str, answers: Answers, settings: ClinicSettings | None = None) -> Score:
    """Score one completed questionnaire; ``ClinicalInputError`` names any bad answer."""
    settings = settings or DEFAULT_SETTINGS
    definition = get_instrument(instrument_id)
    values = normalise_answers(definition, answers)
    check_missing(definition, values)
    items = _items(definition, values)

    if definition.scoring == "cssrs_triage":
        cssrs.check_consistency(values)
        risk, triage_flags = cssrs.triage(values, settings)
        total = sum(1 for item in definition.scored_items if values[item.id] == cssrs.YES)
        return Score(
            instrument=definition.id,
            version=definition.version,
            total=total,
            max_total=definition.max_total,
            severity=risk,
            severity_label=risk.capitalize(),
            flags=triage_flags,
            items=items,
            subscales={},
            risk=risk,
        )

    total = _total(definition, values)
    band = next((b for b in definition.bands if b.min <= total <= b.max), None)
    flags = [rule.code for rule in definition.flags if _flag_raised(rule, values, total, settings)]
    subscales = {
        subscale.id: sum(values[item] or 0 for item in subscale.items)
        for subscale in definition.subscales
    }
    mean = None
    if definition.report_mean:
        mean = round(total / len(definition.scored_items), 2)
    provisional = None
    if definition.extras == "pcl5_provisional_ptsd":
        provisional = pcl5.provisional_ptsd(definition, values, total, settings)
        if provisional.by_cutoff or provisional.by_dsm5_rule:
            flags.append("provisional_ptsd")
    return Score(
        instrument=definition.id,
        version=definition.version,
        total=total,
        max_total=definition.max_total,
        severity=band.severity if band else None,
        severity_label=band.label if band else None,
        flags=tuple(flags),
        items=items,
        subscales=subscales,
        provisional_ptsd=provisional,
        mean=mean,
    )


def _check_total(definition: InstrumentDefinition, field: str, total: int) -> None:
    if isinstance(total, bool) or not isinstance(total, int):
        raise ClinicalInputError(field, f"{total!r} is not a whole number")
    if not definition.min_total <= total <= definition.max_total:
        raise ClinicalInputError(
            field,
            f"{total} is outside the {definition.abbreviation} range "
            f"{definition.min_total}-{definition.max_total}",
        )


def compare(
    instrument_id: str,
    baseline_total: int,
    current_total: int,
    settings: ClinicSettings | None = None,
) -> Change:
    """Change from baseline with response, remission and clinically meaningful change.

    Response is a fall of at least the instrument's percentage (50 %, pain NRS 30 %),
    computed in exact integer arithmetic; it is None when the instrument defines no response
    or the baseline is 0. Remission is the current total at or below the instrument's cut-off.
    """
    settings = settings or DEFAULT_SETTINGS
    definition = get_instrument(instrument_id)
    _check_total(definition, "baseline_total", baseline_total)
    _check_total(definition, "current_total", current_total)
    change = current_total - baseline_total
    rules = definition.change
    percent = round(100 * change / baseline_total, 1) if baseline_total else None

    response: bool | None = None
    remission: bool | None = None
    meaningful: bool | None = None
    if rules is not None:
        if rules.response_percent is not None and baseline_total > 0:
            needed = rules.response_percent.resolve(settings)
            response = (baseline_total - current_total) * 100 >= needed * baseline_total
        if rules.remission_max is not None:
            remission = current_total <= rules.remission_max.resolve(settings)
        if rules.meaningful_change_points is not None:
            meaningful = abs(change) >= rules.meaningful_change_points.resolve(settings)
    return Change(
        instrument=definition.id,
        baseline_total=baseline_total,
        current_total=current_total,
        change=change,
        percent_change=percent,
        response=response,
        remission=remission,
        clinically_meaningful_change=meaningful,
    )
