"""Turning raw answers into validated item values and applying the missing-item policy.

Answers arrive as a list in item order (the CLI, a paper form) or as a mapping by item id
(the portal, the API). Either way every value is checked against the item's options, and an
unanswered item is either allowed by the instrument's written policy or refused: it is never
silently scored as 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.instruments.model import InstrumentDefinition

AnswerValue = int | bool | None
Answers = Sequence[AnswerValue] | Mapping[str, AnswerValue] | Mapping[int, AnswerValue]


def _allowed_text(values: tuple[int, ...]) -> str:
    if list(values) == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}-{values[-1]}"
    return ", ".join(str(v) for v in values)


def normalise_answers(definition: InstrumentDefinition, answers: Answers) -> dict[str, int | None]:
    """Item id -> value (None when unanswered), with every given value validated."""
    ids = [item.id for item in definition.items]
    raw: dict[str, object] = dict.fromkeys(ids)
    if isinstance(answers, Mapping):
        for key, given in answers.items():
            item_id = str(key)
            if item_id not in raw:
                raise ClinicalInputError(
                    f"answers.{item_id}",
                    f"{definition.abbreviation} has no such item; items are {', '.join(ids)}",
                )
            raw[item_id] = given
    elif isinstance(answers, Sequence) and not isinstance(answers, str | bytes):
        if len(answers) > len(ids):
            raise ClinicalInputError(
                "answers",
                f"{len(answers)} answers given but {definition.abbreviation} has "
                f"{len(ids)} items ({', '.join(ids)})",
            )
        for item_id, positional in zip(ids, answers, strict=False):
            raw[item_id] = positional
    else:
        raise ClinicalInputError("answers", "expected a list in item order or a mapping by item id")

    values: dict[str, int | None] = {}
    for item in definition.items:
        value: object = raw[item.id]
        allowed = definition.option_set(item).values
        if value is None:
            values[item.id] = None
            continue
        if isinstance(value, bool):
            value = int(value)
        if not isinstance(value, int) or value not in allowed:
            raise ClinicalInputError(
                f"answers.{item.id}",
                f"{value!r} is not an allowed answer for {definition.abbreviation} item "
                f"{item.id} ({item.label}); allowed: {_allowed_text(allowed)}",
            )
        values[item.id] = value
    return values


def check_missing(definition: InstrumentDefinition, values: Mapping[str, int | None]) -> None:
    """Refuse a form whose unanswered items the instrument's policy does not allow."""
    policy = definition.missing
    grouped = {item for group in policy.at_least_one_of for item in group}
    conditional = {item for rule in policy.required_if for item in rule.items}
    required = [
        item.id
        for item in definition.scored_items
        if item.id not in grouped and item.id not in conditional
    ]
    for rule in policy.required_if:
        trigger = values.get(rule.when_item)
        if trigger is not None and trigger >= rule.at_least:
            required.extend(rule.items)
    missing = [item_id for item_id in required if values.get(item_id) is None]
    for group in policy.at_least_one_of:
        if all(values.get(item_id) is None for item_id in group):
            missing.append(" or ".join(group))
    if missing:
        noun = "item" if len(missing) == 1 else "items"
        raise ClinicalInputError(
            "answers",
            f"{definition.abbreviation} {noun} {', '.join(missing)} unanswered; {policy.policy}",
        )
