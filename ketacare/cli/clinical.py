"""The clinical sub-commands of ``ketacare``: ``score``, ``screen``, ``protocols``, ``dose``.

Registration only builds parsers; the clinical modules (pydantic, data files) are imported
inside the handlers so that ``ketacare --help`` and other commands stay fast. User errors
become ``CommandError`` (exit status 2) naming the option or field and the allowed range.
The JSON shapes printed with ``--json`` are stable interfaces (see docs/clinical.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from ketacare.cli import CommandError
from ketacare.clinical.instrument_ids import INSTRUMENT_IDS
from ketacare.clinical.vocabulary import WeightBasis

if TYPE_CHECKING:
    from ketacare.clinical.settings import ClinicSettings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the score, screen, protocols and dose commands."""
    _register_score(subparsers)
    _register_screen(subparsers)
    _register_protocols(subparsers)
    _register_dose(subparsers)


# --- Shared helpers -----------------------------------------------------------------------


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _option_name(field: str) -> str:
    return "--" + field.split(".")[0].split("[")[0].replace("_", "-")


@contextmanager
def _user_errors(option_for_field: Callable[[str], str] | None = None) -> Iterator[None]:
    """Turn clinical input errors and unknown ids into ``CommandError`` (exit status 2)."""
    from ketacare.clinical.errors import ClinicalInputError, UnknownIdError

    try:
        yield
    except ClinicalInputError as exc:
        where = option_for_field(exc.field) if option_for_field else exc.field
        raise CommandError(f"{where}: {exc.message}") from exc
    except UnknownIdError as exc:
        raise CommandError(str(exc)) from exc


def _read_text(option: str, path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{option}: cannot read {path}: {exc}") from exc


def _load_settings(path: str | None) -> ClinicSettings:
    from ketacare.clinical.settings import ClinicSettings, SettingsError

    if path is None:
        return ClinicSettings()
    try:
        overrides = json.loads(_read_text("--settings", path))
    except json.JSONDecodeError as exc:
        raise CommandError(f"--settings: not valid JSON: {exc}") from exc
    if not isinstance(overrides, dict):
        raise CommandError("--settings: expected a JSON object of setting overrides")
    try:
        return ClinicSettings.from_overrides(overrides)
    except SettingsError as exc:
        raise CommandError(f"--settings: {exc}") from exc


def _add_settings(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--settings",
        metavar="FILE",
        help="JSON object of clinic setting overrides (see docs/clinical.md)",
    )


# --- score --------------------------------------------------------------------------------


def _register_score(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "score",
        help="score a questionnaire or compare two totals",
        description="Score a validated instrument from its item answers, or compare a "
        "baseline and a current total (change, response, remission).",
    )
    parser.add_argument(
        "instrument", nargs="?", metavar="INSTRUMENT", help=", ".join(INSTRUMENT_IDS)
    )
    parser.add_argument(
        "--answers",
        metavar="A,B,...",
        help="answers in item order, comma-separated; leave an item empty (or '-') if unanswered;"
        " C-SSRS: 1 = yes, 0 = no for questions 1-6 (and optionally the 6b follow-up)",
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        type=int,
        metavar=("BASELINE_TOTAL", "CURRENT_TOTAL"),
        help="compare two totals instead of scoring answers",
    )
    parser.add_argument(
        "--instrument", dest="instrument_option", metavar="ID", help="with --compare"
    )
    parser.add_argument("--list", action="store_true", help="list the instrument ids")
    parser.add_argument("--json", action="store_true", help="print JSON")
    _add_settings(parser)
    parser.set_defaults(handler=_score)


def _parse_answers(text: str) -> list[int | None]:
    answers: list[int | None] = []
    for position, part in enumerate(text.split(","), start=1):
        token = part.strip()
        if token in ("", "-"):
            answers.append(None)
            continue
        try:
            answers.append(int(token))
        except ValueError:
            raise CommandError(
                f"--answers: {token!r} (answer {position}) is not a whole number"
            ) from None
    return answers


def _score(args: argparse.Namespace) -> int:
    from ketacare.clinical.instruments import compare, load_instruments, score

    if args.list:
        instruments = load_instruments()
        if args.json:
            _print_json([{"id": i, "name": d.name} for i, d in instruments.items()])
        else:
            for instrument_id, definition in instruments.items():
                print(f"{instrument_id:16} {definition.name}")
        return 0
    settings = _load_settings(args.settings)
    if args.compare is not None:
        instrument = args.instrument_option or args.instrument
        if instrument is None:
            raise CommandError("--compare needs --instrument ID")
        if args.instrument and args.instrument_option and args.instrument != args.instrument_option:
            raise CommandError("give the instrument once (INSTRUMENT or --instrument)")
        if args.answers is not None:
            raise CommandError("--answers and --compare cannot be combined")
        with _user_errors():
            change = compare(instrument, args.compare[0], args.compare[1], settings)
        if args.json:
            _print_json(change.to_json())
        else:
            percent = "n/a" if change.percent_change is None else f"{change.percent_change:+g}%"
            print(
                f"{change.instrument}: {change.baseline_total} -> {change.current_total} "
                f"(change {change.change:+d}, {percent}); response: {change.response}; "
                f"remission: {change.remission}"
            )
        return 0
    if args.instrument is None:
        raise CommandError("INSTRUMENT is required (or use --compare or --list)")
    if args.answers is None:
        raise CommandError("--answers is required, e.g. --answers 1,0,2,...")
    answers = _parse_answers(args.answers)
    with _user_errors(lambda field: "--answers" if field == "answers" else field):
        result = score(args.instrument, answers, settings)
    if args.json:
        _print_json(result.to_json())
    else:
        severity = f" ({result.severity_label})" if result.severity_label else ""
        print(f"{result.instrument}: total {result.total}/{result.max_total}{severity}")
        if result.mean is not None:
            print(f"mean: {result.mean:g}")
        if result.flags:
            print(f"flags: {', '.join(result.flags)}")
        if result.provisional_ptsd is not None:
            ptsd = result.provisional_ptsd
            print(
                f"provisional PTSD: by cut-off >= {ptsd.cutoff}: {ptsd.by_cutoff}; "
                f"by DSM-5 rule: {ptsd.by_dsm5_rule}"
            )
        for name, value in result.subscales.items():
            print(f"subscale {name}: {value}")
    return 0


# --- screen -------------------------------------------------------------------------------


def _register_screen(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "screen",
        help="screen an intake for each treatment option",
        description="Decide, per treatment option, eligible / needs prescriber review / not "
        "eligible, each reason with its source. The software advises; a prescriber decides.",
    )
    parser.add_argument("--intake", metavar="FILE", help="intake JSON document ('-' for stdin)")
    parser.add_argument("--schema", action="store_true", help="print the intake JSON schema")
    parser.add_argument("--json", action="store_true", help="print JSON")
    _add_settings(parser)
    parser.set_defaults(handler=_screen)


def _screen(args: argparse.Namespace) -> int:
    from ketacare.clinical.intake import intake_json_schema, parse_intake_json
    from ketacare.clinical.screening import screen

    if args.schema:
        _print_json(intake_json_schema())
        return 0
    if args.intake is None:
        raise CommandError("--intake FILE is required (or --schema)")
    settings = _load_settings(args.settings)
    text = _read_text("--intake", args.intake)
    with _user_errors(lambda field: f"intake {field}"):
        result = screen(parse_intake_json(text), settings)
    if args.json:
        _print_json(result.to_json())
        return 0
    print(
        f"treatment-resistant: {'yes' if result.treatment_resistant else 'no'} "
        f"({result.adequate_trials} adequate failed trials)"
    )
    for option in result.options:
        print(f"\n{option.option}: {option.decision}")
        for reason in option.reasons:
            print(f"  - [{reason.code}] {reason.message}")
    return 0


# --- protocols ----------------------------------------------------------------------------


def _register_protocols(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "protocols",
        help="the protocol library",
        description="List and show the treatment protocols and service types.",
    )
    actions = parser.add_subparsers(dest="protocols_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="list protocol ids")
    listing.add_argument("--json", action="store_true", help="print a JSON array of ids")
    listing.set_defaults(handler=_protocols_list)
    show = actions.add_parser("show", help="show one protocol")
    show.add_argument("protocol_id", metavar="ID")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=_protocols_show)
    services = actions.add_parser("services", help="list the service types")
    services.add_argument("--json", action="store_true", help="print JSON")
    services.set_defaults(handler=_protocols_services)


def _protocols_list(args: argparse.Namespace) -> int:
    from ketacare.clinical.protocols import load_protocols

    protocols = load_protocols()
    ids = sorted(protocols)
    if args.json:
        _print_json(ids)
    else:
        for protocol_id in ids:
            print(f"{protocol_id:36} {protocols[protocol_id].title}")
    return 0


def _protocols_show(args: argparse.Namespace) -> int:
    from ketacare.clinical.protocols import get_protocol

    with _user_errors():
        protocol = get_protocol(args.protocol_id)
    if args.json:
        _print_json(protocol.model_dump(mode="json"))
        return 0
    print(f"{protocol.id} (version {protocol.version}): {protocol.title}")
    print(f"  {protocol.summary}")
    print(f"  drug {protocol.drug}, route {protocol.route}, {protocol.setting}")
    print(f"  indication: {protocol.indication}")
    print(f"  evidence: {protocol.evidence}")
    for phase in protocol.schedule:
        print(f"  schedule - {phase.phase}: {phase.note}")
    return 0


def _protocols_services(args: argparse.Namespace) -> int:
    from ketacare.clinical.protocols import load_services

    services = load_services()
    if args.json:
        _print_json([service.model_dump(mode="json") for service in services.values()])
    else:
        for service in services.values():
            print(f"{service.id:24} {service.kind:9} {service.name}")
    return 0


# --- dose ---------------------------------------------------------------------------------


def _register_dose(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "dose",
        help="calculate a dose from a protocol",
        description="Calculate one session's dose, duration, pump rate, volume or Spravato "
        "device count from a protocol. Doses outside the protocol's range are refused; a "
        "calculated dose above the protocol's cap is capped, a chosen one refused.",
    )
    parser.add_argument("--protocol", required=True, metavar="ID")
    parser.add_argument("--weight-kg", required=True, type=float, metavar="W")
    parser.add_argument("--height-cm", type=float, metavar="H")
    parser.add_argument("--age-years", type=int, metavar="A")
    parser.add_argument("--sex", choices=("female", "male", "intersex", "unknown"))
    parser.add_argument("--concentration-mg-per-ml", type=float, metavar="C")
    parser.add_argument("--weight-basis", choices=get_args(WeightBasis))
    parser.add_argument("--dose-mg-per-kg", type=float, metavar="X", help="choose within range")
    parser.add_argument("--dose-mg-per-kg-per-h", type=float, metavar="X", help="within range")
    parser.add_argument("--dose-mg", type=float, metavar="X", help="fixed or Spravato dose")
    parser.add_argument("--session-number", type=int, default=1, metavar="N")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=_dose)


def _dose(args: argparse.Namespace) -> int:
    from ketacare.clinical.dosing import calculate_dose

    with _user_errors(_option_name):
        result = calculate_dose(
            args.protocol,
            weight_kg=args.weight_kg,
            height_cm=args.height_cm,
            age_years=args.age_years,
            sex=args.sex,
            concentration_mg_per_ml=args.concentration_mg_per_ml,
            weight_basis=args.weight_basis,
            dose_mg_per_kg=args.dose_mg_per_kg,
            dose_mg_per_kg_per_h=args.dose_mg_per_kg_per_h,
            dose_mg=args.dose_mg,
            session_number=args.session_number,
        )
    if args.json:
        _print_json(result.to_json())
        return 0
    print(f"{result.protocol}: {result.dose_mg:g} mg")
    if result.devices is not None:
        from ketacare.pk.limits import ESKETAMINE_DEVICE_MG

        print(f"  devices: {result.devices} x {ESKETAMINE_DEVICE_MG:g} mg")
    if result.duration_min is not None:
        print(f"  over {result.duration_min} min at {result.rate_mg_per_h:g} mg/h")
    if result.volume_ml is not None:
        rate = f" at {result.rate_ml_per_h:g} mL/h" if result.rate_ml_per_h is not None else ""
        print(f"  volume: {result.volume_ml:g} mL{rate}")
    if result.weight_basis_note is not None:
        print(f"  weight basis: {result.weight_basis_note}")
    if result.cap_note is not None and result.cap_note not in result.warnings:
        print(f"  cap: {result.cap_note}")
    for warning in result.warnings:
        print(f"  warning: {warning}")
    return 0
