"""``ketacare safety``: evaluate one session document against the session-safety rules.

Prints the pre-dose decision with its findings, every alert and stop with its source, whether
dosing must stop, the discharge checklist and the checks due next. The JSON printed with
``--json`` is a stable interface (docs/clinical.md, "Command line"). Like ``ketacare screen``,
the clinical modules are imported inside the handler.
"""

from __future__ import annotations

import argparse

from ketacare.cli import CommandError
from ketacare.cli.clinical import (
    _add_settings,
    _load_settings,
    _print_json,
    _read_text,
    _user_errors,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the safety command."""
    parser = subparsers.add_parser(
        "safety",
        help="evaluate a session: pre-dose decision, alerts and stops, discharge checklist",
        description="Evaluate one session document: the pre-dose decision, every alert and "
        "stop with its source, the discharge checklist and the next checks due. The software "
        "advises; the clinician decides.",
    )
    parser.add_argument("--session", metavar="FILE", help="session JSON document ('-' for stdin)")
    parser.add_argument("--schema", action="store_true", help="print the session JSON schema")
    parser.add_argument("--json", action="store_true", help="print JSON")
    _add_settings(parser)
    parser.set_defaults(handler=_safety)


def _safety(args: argparse.Namespace) -> int:
    from ketacare.clinical.safety import evaluate_document, parse_session_json, session_json_schema

    if args.schema:
        _print_json(session_json_schema())
        return 0
    if args.session is None:
        raise CommandError("--session FILE is required (or --schema)")
    settings = _load_settings(args.settings)
    text = _read_text("--session", args.session)
    with _user_errors(lambda field: "session" if field == "session" else f"session {field}"):
        doc = parse_session_json(text)
        result = evaluate_document(doc, settings)
    if args.json:
        _print_json(
            {"protocol_id": doc.protocol_id, "now_t_min": doc.now_t_min, **result.to_json()}
        )
        return 0
    print(f"pre-dose: {result.predose}")
    for finding in result.predose_findings:
        print(f"  - [{finding.code}] {finding.message}")
    print(f"stop dosing: {'yes' if result.stop_dosing else 'no'}")
    for alert in result.alerts:
        print(f"  - {alert.t_min:g} min {alert.level} [{alert.code}] {alert.message}")
    print(f"discharge allowed: {'yes' if result.discharge_allowed else 'no'}")
    for check in result.discharge_checks:
        print(f"  - [{'x' if check.met else ' '}] {check.code}: {check.message}")
    for due in result.next_checks:
        print(f"next: {due.due_t_min:g} min [{due.code}] {due.message}")
    for warning in result.warnings:
        print(f"warning: {warning}")
    return 0
