"""``ketacare pk ...``: list models, simulate a dose, simulate a population, plan a TCI.

Registration only builds argparse parsers; numpy and the engine are imported inside the handlers,
so ``ketacare --help`` and the other commands stay fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ketacare.pk.patient import Patient
    from ketacare.pk.regimen import Regimen

DRUGS = ("ketamine", "esketamine", "s-ketamine")
ROUTES = ("iv", "im", "intranasal", "sublingual", "oral")

#: Library field names -> the CLI option a user typed, for error messages.
_OPTION_OF_FIELD = {
    "weight_kg": "--weight-kg",
    "age_years": "--age-years",
    "dose_mg": "--dose-mg",
    "over_min": "--over-min",
    "devices": "--devices",
    "route": "--route",
    "model": "--model",
    "drug": "--drug",
    "sampling": "--sampling",
    "until_min": "--until-min",
    "step_min": "--step-min",
    "t_min": "--regimen",
    "regimen": "--regimen",
    "bioavailability": "--bioavailability",
    "n": "--n",
    "target_ng_per_ml": "--target-ng-per-ml",
    "duration_min": "--duration-min",
    "max_rate_mg_per_h": "--max-rate-mg-per-h",
    "update_s": "--update-s",
    "manual_steps": "--manual-steps",
    "weight_cv_percent": "--weight-cv-percent",
    "age_sd_years": "--age-sd-years",
    "female_fraction": "--female-fraction",
    "plot": "--plot",
    "race": "--race",
    "sex": "--sex",
}


def register(subparsers: Any) -> None:
    """Add ``pk`` and its sub-commands to the ``ketacare`` parser."""
    pk = subparsers.add_parser(
        "pk",
        help="pharmacokinetics: models, simulation, population, TCI",
        description="Published ketamine, esketamine and S-ketamine models, solved exactly.",
    )
    commands = pk.add_subparsers(dest="pk_command", required=True, metavar="PK_COMMAND")

    models = commands.add_parser("models", help="list the models and their sources")
    models.add_argument("--json", action="store_true", help="print JSON")
    models.set_defaults(handler=_models)

    simulate = commands.add_parser("simulate", help="concentration curve of a dose or regimen")
    _add_regimen_args(simulate)
    _add_patient_args(simulate)
    _add_grid_args(simulate)
    out = simulate.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the curve and summary as JSON")
    out.add_argument("--csv", action="store_true", help="print the curve as CSV")
    out.add_argument("--plot", metavar="FILE", help="write a PNG or SVG plot")
    simulate.set_defaults(handler=_simulate)

    population = commands.add_parser("population", help="percentile bands over N virtual patients")
    _add_regimen_args(population)
    _add_patient_args(population)
    _add_grid_args(population)
    population.add_argument("--n", type=int, required=True, help="number of virtual patients")
    population.add_argument("--seed", type=int, default=None, help="random seed")
    population.add_argument(
        "--weight-cv-percent", type=float, default=0.0, help="log-normal spread of weight"
    )
    population.add_argument("--age-sd-years", type=float, default=0.0, help="spread of age")
    population.add_argument(
        "--female-fraction", type=float, default=None, help="share of women (default: --sex)"
    )
    pout = population.add_mutually_exclusive_group()
    pout.add_argument("--json", action="store_true", help="print percentiles as JSON")
    pout.add_argument("--plot", metavar="FILE", help="write a PNG or SVG plot")
    population.set_defaults(handler=_population)

    tci = commands.add_parser("tci", help="plasma target-controlled infusion (Jacobs)")
    tci.add_argument("--target-ng-per-ml", type=float, required=True, help="plasma target")
    tci.add_argument("--duration-min", type=float, required=True, help="how long to hold it")
    tci.add_argument("--drug", choices=DRUGS, default="ketamine")
    tci.add_argument("--model", default=None, help="model id (default: the drug's IV model)")
    tci.add_argument(
        "--max-rate-mg-per-h",
        type=float,
        default=None,
        help="pump limit (default 0.75 mg/kg/min, STANPUMP)",
    )
    tci.add_argument("--update-s", type=float, default=10.0, help="rate update interval (s)")
    tci.add_argument(
        "--manual-steps", type=int, default=3, help="number of rates in the manual step-down scheme"
    )
    _add_patient_args(tci)
    tout = tci.add_mutually_exclusive_group()
    tout.add_argument("--json", action="store_true", help="print the schedule as JSON")
    tout.add_argument("--plot", metavar="FILE", help="write a PNG or SVG plot")
    tci.set_defaults(handler=_tci)


def _add_regimen_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--drug", choices=DRUGS, required=True)
    parser.add_argument("--model", default=None, help="model id (default: the drug and route's)")
    parser.add_argument("--route", choices=ROUTES, default=None)
    dose = parser.add_mutually_exclusive_group()
    dose.add_argument("--dose-mg", type=float, default=None)
    dose.add_argument("--dose-mg-per-kg", type=float, default=None)
    dose.add_argument(
        "--devices", type=int, default=None, help="Spravato 28-mg devices, 5 min apart"
    )
    parser.add_argument("--over-min", type=float, default=0.0, help="IV infusion duration")
    parser.add_argument(
        "--regimen",
        metavar="FILE",
        default=None,
        help='JSON list of {"t_min", "route", "dose_mg", "over_min"}',
    )
    parser.add_argument("--sampling", choices=("arterial", "venous"), default=None)
    parser.add_argument(
        "--bioavailability",
        type=float,
        default=None,
        help="override the route's fraction absorbed (0-1]",
    )


def _add_patient_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--weight-kg", type=float, required=True)
    parser.add_argument("--age-years", type=float, default=40.0)
    parser.add_argument("--sex", choices=("male", "female"), default="male")
    parser.add_argument(
        "--race",
        choices=("non_asian", "asian", "japanese"),
        default="non_asian",
        help="Perez-Ruixo 2021 covariate categories",
    )


def _add_grid_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--until-min", type=float, required=True)
    parser.add_argument("--step-min", type=float, default=1.0)


def _user_error(exc: Exception) -> Exception:
    from ketacare.cli import CommandError
    from ketacare.pk.errors import PkInputError

    if isinstance(exc, PkInputError):
        option = _OPTION_OF_FIELD.get(exc.field, exc.field)
        return CommandError(f"{option}: {exc.message}")
    return CommandError(str(exc))


def _models(args: argparse.Namespace) -> int:
    from ketacare.pk.info import list_models

    infos = list_models()
    if args.json:
        print(json.dumps([info.as_json() for info in infos], indent=2))
        return 0
    for info in infos:
        print(f"{info.id}  [{info.drug}]  {info.name}")
        for route in info.routes:
            f = "" if route.bioavailability is None else f"  F {route.bioavailability:g}"
            rng = route.bioavailability_range
            if rng is not None:
                f += f" (published {rng[0]:g}-{rng[1]:g})"
            star = " (default)" if route.default else ""
            print(f"    {route.route}{star}{f}")
        print(
            f"    sampling {info.sampling}; metabolite {info.metabolite or 'none'}; "
            f"variability {'yes' if info.has_iiv else 'not published'}"
        )
        print(f"    source: {info.source}")
        for line in info.unconfirmed:
            print(f"    UNCONFIRMED {line}")
    return 0


def _patient(args: argparse.Namespace) -> Patient:
    from ketacare.pk.patient import Patient

    return Patient(weight_kg=args.weight_kg, age_years=args.age_years, sex=args.sex, race=args.race)


def _regimen(args: argparse.Namespace, weight_kg: float) -> tuple[Regimen, str]:
    """The regimen of the options and the route whose model to use."""
    from ketacare.cli import CommandError
    from ketacare.pk.regimen import Dose, Regimen

    if args.regimen is not None:
        if any(v is not None for v in (args.dose_mg, args.dose_mg_per_kg, args.devices)):
            raise CommandError("--regimen: give either --regimen or a single dose, not both")
        try:
            text = Path(args.regimen).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"--regimen: cannot read {args.regimen}: {exc.strerror}") from None
        regimen = Regimen.from_json(text)
        routes = regimen.routes
        if args.route is not None and routes != (args.route,):
            raise CommandError(f"--route: the regimen file uses {', '.join(routes)}")
        if len(routes) != 1:
            raise CommandError("--regimen: all events must use one route (one model)")
        return regimen, routes[0]
    if args.route is None:
        raise CommandError("--route: choose one of " + ", ".join(ROUTES))
    if args.devices is not None:
        if args.drug != "esketamine" or args.route != "intranasal":
            raise CommandError("--devices: only for --drug esketamine --route intranasal")
        if args.over_min:
            raise CommandError("--over-min: not for nasal devices")
        return Regimen.spravato(args.devices), args.route
    if args.dose_mg is not None:
        dose_mg = args.dose_mg
    elif args.dose_mg_per_kg is not None:
        if not args.dose_mg_per_kg > 0.0:
            raise CommandError(
                f"--dose-mg-per-kg: must be above 0 mg/kg, got {args.dose_mg_per_kg:g}"
            )
        dose_mg = args.dose_mg_per_kg * weight_kg
    else:
        raise CommandError("--dose-mg: give --dose-mg, --dose-mg-per-kg, --devices or --regimen")
    return Regimen((Dose(0.0, args.route, dose_mg, args.over_min),)), args.route


def _simulate(args: argparse.Namespace) -> int:
    try:
        from ketacare.pk.catalog import resolve_model
        from ketacare.pk.curve import simulate
        from ketacare.pk.grid import uniform_grid

        patient = _patient(args)
        regimen, route = _regimen(args, patient.weight_kg)
        spec = resolve_model(args.drug, route, args.model)
        grid = uniform_grid(args.until_min, args.step_min)
        result = simulate(
            spec.id,
            regimen,
            patient,
            grid,
            sampling=args.sampling,
            bioavailability=args.bioavailability,
        )
        for note in result.warnings:
            print(f"note: {note}", file=sys.stderr)
        if args.json:
            print(json.dumps(result.as_json()))
        elif args.csv:
            _print_csv(result)
        elif args.plot:
            from ketacare.pk.plots import plot_result

            print(plot_result(result, args.plot))
        else:
            print(f"model {result.model_id} ({result.sampling})")
            print(
                f"Cmax {result.cmax_ng_per_ml:.4g} ng/mL at {result.tmax_min:g} min; "
                f"AUC {result.auc_ng_h_per_ml:.4g} ng*h/mL over the grid"
            )
            print(f"source: {result.source}")
    except ValueError as exc:
        raise _user_error(exc) from None
    return 0


def _print_csv(result: Any) -> None:
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    met = result.metabolite_conc_ng_per_ml
    header = ["t_min", "conc_ng_per_ml"]
    if met is not None:
        header.append("metabolite_conc_ng_per_ml")
    writer.writerow(header)
    for i, t in enumerate(result.t_min):
        row = [repr(float(t)), repr(float(result.conc_ng_per_ml[i]))]
        if met is not None:
            row.append(repr(float(met[i])))
        writer.writerow(row)


def _population(args: argparse.Namespace) -> int:
    try:
        from ketacare.pk.catalog import resolve_model
        from ketacare.pk.grid import uniform_grid
        from ketacare.pk.population import CovariateDistribution, simulate_population

        patient = _patient(args)
        regimen, route = _regimen(args, patient.weight_kg)
        spec = resolve_model(args.drug, route, args.model)
        female = args.female_fraction
        if female is None:
            female = 1.0 if args.sex == "female" else 0.0
        covariates = CovariateDistribution(
            weight_kg=args.weight_kg,
            weight_cv_percent=args.weight_cv_percent,
            age_years=args.age_years,
            age_sd_years=args.age_sd_years,
            female_fraction=female,
            race=args.race,
        )
        grid = uniform_grid(args.until_min, args.step_min)
        bar = _ProgressBar() if sys.stderr.isatty() else None
        result = simulate_population(
            spec.id,
            regimen,
            covariates,
            args.n,
            grid,
            seed=args.seed,
            sampling=args.sampling,
            bioavailability=args.bioavailability,
            progress=bar,
        )
        if bar is not None:
            bar.close()
        if not result.iiv_available:
            print(
                f"note: {spec.id} publishes no inter-individual variability; the spread "
                "comes from the covariate distribution only",
                file=sys.stderr,
            )
        if args.plot:
            from ketacare.pk.plots import plot_population

            print(plot_population(result, args.plot))
        elif args.json:
            print(json.dumps(result.as_json()))
        else:
            for name, dist in result.summaries.items():
                values = ", ".join(f"p{p:g} {v:.4g}" for p, v in dist.percentiles.items())
                print(f"{name}: {values}; mean {dist.mean:.4g}")
    except ValueError as exc:
        raise _user_error(exc) from None
    return 0


class _ProgressBar:
    """A one-line progress bar on stderr for interactive terminals."""

    def __init__(self, width: int = 30) -> None:
        self.width = width

    def __call__(self, done: int, total: int) -> None:
        filled = int(self.width * done / total)
        bar = "#" * filled + "-" * (self.width - filled)
        sys.stderr.write(f"\r[{bar}] {done:,}/{total:,} patients")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")


def _tci(args: argparse.Namespace) -> int:
    try:
        from ketacare.pk.tci import tci_plasma

        patient = _patient(args)
        result = tci_plasma(
            args.target_ng_per_ml,
            args.duration_min,
            patient,
            drug=args.drug,
            model_id=args.model,
            max_rate_mg_per_h=args.max_rate_mg_per_h,
            update_s=args.update_s,
            manual_steps=args.manual_steps,
        )
        if args.json:
            print(json.dumps(result.as_json()))
        elif args.plot:
            from ketacare.pk.plots import plot_tci

            print(plot_tci(result, args.plot))
        else:
            print(
                f"model {result.model_id}: {result.total_dose_mg:.4g} mg over "
                f"{args.duration_min:g} min; first rate {result.rate_mg_per_h[0]:.4g} mg/h"
            )
            scheme = result.step_down
            for start, rate in zip(scheme.start_min, scheme.rate_mg_per_h, strict=True):
                print(f"  manual step from {start:.3g} min: {rate:.4g} mg/h")
            print(
                f"  manual scheme worst deviation {scheme.max_deviation_percent:.3g} % "
                f"after {scheme.deviation_from_min:g} min"
            )
    except ValueError as exc:
        raise _user_error(exc) from None
    return 0
