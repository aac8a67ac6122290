"""Independent reference: each model's ODEs typed from the papers and solved with scipy.

Parameter values are typed here from the reference (pharmacokinetics.md and the sources it cites),
not read from the engine's data files, so a wrong value or a wrong matrix in the engine shows up
as a disagreement. Times are minutes, amounts mg, concentrations ng/mL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import solve_ivp

Rhs = Callable[[np.ndarray], np.ndarray]


@dataclass
class RefModel:
    """x' = f(x) + inputs; conc(x) gives (parent, metabolite or None) in ng/mL."""

    n: int
    rhs: Rhs
    conc: Callable[[np.ndarray], np.ndarray]
    index: dict[str, int]


@dataclass
class RefInputs:
    boluses: list[tuple[float, int, float]] = field(default_factory=list)  # t, state, mg
    infusions: list[tuple[float, float, int, float]] = field(
        default_factory=list
    )  # t0,t1,state,mg/min


def solve_reference(
    model: RefModel,
    inputs: RefInputs,
    t_eval: np.ndarray,
    *,
    rtol: float = 1e-12,
    atol: float = 1e-14,
) -> np.ndarray:
    """Outputs (m, P) at t_eval from a piecewise DOP853 integration (rtol 1e-12 unless given)."""
    times = {float(t_eval[0]), float(t_eval[-1])}
    times |= {t for t, _, _ in inputs.boluses}
    for t0, t1, _, _ in inputs.infusions:
        times |= {t0, t1}
    breaks = sorted(t for t in times if t <= t_eval[-1])
    x = np.zeros(model.n)
    out: list[np.ndarray | None] = [None] * t_eval.size
    for i, start in enumerate(breaks):
        for t, state, mg in inputs.boluses:
            if t == start:
                x[state] += mg
        end = breaks[i + 1] if i + 1 < len(breaks) else start
        u = np.zeros(model.n)
        for t0, t1, state, rate in inputs.infusions:
            if t0 <= start < t1:
                u[state] += rate
        inside = [j for j, t in enumerate(t_eval) if start <= t < end or (t == end == start)]
        if end > start:
            sol = solve_ivp(
                lambda _t, y, u=u: model.rhs(y) + u,
                (start, end),
                x,
                method="DOP853",
                rtol=rtol,
                atol=atol,
                t_eval=[t_eval[j] for j in inside] + [end],
            )
            assert sol.success
            for k, j in enumerate(inside):
                out[j] = model.conc(sol.y[:, k])
            x = sol.y[:, -1].copy()
        else:
            for j in inside:
                out[j] = model.conc(x)
    return np.array(out).T


def _mammillary(
    v1: float, k10: float, k12: float, k21: float, k13: float = 0.0, k31: float = 0.0
) -> Rhs:
    def rhs(x: np.ndarray) -> np.ndarray:
        c, p1, p2 = x[0], x[1], x[2]
        dx = np.zeros_like(x)
        dx[0] = -(k10 + k12 + k13) * c + k21 * p1 + k31 * p2
        dx[1] = k12 * c - k21 * p1
        dx[2] = k13 * c - k31 * p2
        return dx

    return rhs


def with_venous(model: RefModel, k_ven: float) -> RefModel:
    """Adds C_ven' = k (C_art - C_ven) for each output (ng/mL states)."""
    n = model.n
    m = model.conc(np.zeros(n)).size

    def rhs(x: np.ndarray) -> np.ndarray:
        dx = np.zeros_like(x)
        dx[:n] = model.rhs(x[:n])
        dx[n:] = k_ven * (model.conc(x[:n]) - x[n:])
        return dx

    return RefModel(n + m, rhs, lambda x: x[n:], model.index)


def kamp2020(weight_kg: float) -> RefModel:
    """Kamp 2020 3-cmt (V 25/56/157 L, CL/Q2/Q3 84/161/79 L/h per 70 kg) + route depots."""
    s = weight_kg / 70.0
    v1, v2, v3 = 25.0 * s, 56.0 * s, 157.0 * s
    cl, q2, q3 = (x / 60.0 * s**0.75 for x in (84.0, 161.0, 79.0))
    ka = {"im": 3.54 / 60, "intranasal": 1.75 / 60, "sublingual": 0.724 / 60, "oral": 0.705 / 60}
    disposition = _mammillary(v1, cl / v1, q2 / v1, q2 / v2, q3 / v1, q3 / v3)
    depots = list(ka)

    def rhs(x: np.ndarray) -> np.ndarray:
        dx = np.zeros_like(x)
        dx[:3] = disposition(x[:3])
        for i, route in enumerate(depots):
            flux = ka[route] * x[3 + i]
            dx[3 + i] -= flux
            dx[0] += flux
        return dx

    index = {"central": 0} | {route: 3 + i for i, route in enumerate(depots)}
    return RefModel(7, rhs, lambda x: np.array([x[0] / v1 * 1000.0]), index)


KAMP_F = {"im": 0.93, "intranasal": 0.45, "sublingual": 0.29, "oral": 0.20}


def rate_model(
    v1: float, k10: float, k12: float, k21: float, k13: float = 0.0, k31: float = 0.0
) -> RefModel:
    return RefModel(
        3,
        _mammillary(v1, k10, k12, k21, k13, k31),
        lambda x: np.array([x[0] / v1 * 1000.0]),
        {"central": 0},
    )


def domino(weight_kg: float) -> RefModel:
    return rate_model(0.063 * weight_kg, 0.438, 0.592, 0.247, 0.590, 0.0146)


def clements250(weight_kg: float) -> RefModel:
    return rate_model(1.7522 * weight_kg, 0.0109, 0.0186, 0.0137)


def hijazi2003(weight_kg: float) -> RefModel:
    return rate_model(1.08 * weight_kg, 0.0333, 0.0088, 0.0030)


def herd2007(weight_kg: float) -> RefModel:
    s = weight_kg / 70.0
    v1, v2 = 38.7 * s, 102.0 * s
    cl, q = 90.0 / 60.0 * s**0.75, 215.0 / 60.0 * s**0.75
    return rate_model(v1, cl / v1, q / v1, q / v2)


def perez_ruixo2021(age_years: float, race: str) -> RefModel:
    """Esketamine + noresketamine as in the nlmixr2lib transcription of Table 3 (per hour)."""
    asian = race in ("asian", "japanese")
    ka_n, ka_sw, ka_po = 2.93, 1.45, 0.97
    vc, q1, vp1, q2, vp2 = 192.0, 84.3, 143.0, 37.6, 417.0
    qh = 151.0 - 2.19 * max(0.0, age_years - 60.0)
    vh, kel, kmet = 101.0, 1.11 * (0.36 if asian else 1.0), 2.77
    vcn, cln, vpn, q3 = 70.0, 38.0 * (0.81 if asian else 1.0), 115.0, 26.1
    # states: depot_n, depot_sw, depot_po, central, p1, p2, liver, nk_c, nk_p

    def rhs(x: np.ndarray) -> np.ndarray:
        dn, dsw, dpo, c, p1, p2, liv, nc, npp = x
        dx = np.array(
            [
                -ka_n * dn,
                -ka_sw * dsw,
                -ka_po * dpo,
                ka_n * dn + q1 / vp1 * p1 + q2 / vp2 * p2 + qh / vh * liv - (q1 + q2 + qh) / vc * c,
                q1 / vc * c - q1 / vp1 * p1,
                q2 / vc * c - q2 / vp2 * p2,
                ka_sw * dsw + ka_po * dpo + qh / vc * c - (qh / vh + kel + kmet) * liv,
                kmet * liv + q3 / vpn * npp - (cln / vcn + q3 / vcn) * nc,
                q3 / vcn * nc - q3 / vpn * npp,
            ]
        )
        return dx / 60.0

    index = {"nasal": 0, "swallowed": 1, "oral": 2, "central": 3}
    return RefModel(9, rhs, lambda x: np.array([x[3] / vc, x[7] / vcn]) * 1000.0, index)


def perez_frn(race: str) -> float:
    return 0.54 * (1.34 if race == "japanese" else 1.0)


def otto2021(weight_kg: float) -> RefModel:
    s = weight_kg / 70.0
    vc, cl = 133.0 * s, 95.2 * s**0.75
    vp, q, vp2, q2 = 187.0, 23.2, 98.8, 157.0
    vn, cln, vpn, qn = 98.638 * s, 57.72 * s**0.75, 160.04, 42.778

    def rhs(x: np.ndarray) -> np.ndarray:
        c, p1, p2, nc, npp = x
        dx = np.array(
            [
                -(cl + q + q2) / vc * c + q / vp * p1 + q2 / vp2 * p2,
                q / vc * c - q / vp * p1,
                q2 / vc * c - q2 / vp2 * p2,
                cl / vc * c - (cln + qn) / vn * nc + qn / vpn * npp,
                qn / vn * nc - qn / vpn * npp,
            ]
        )
        return dx / 60.0

    return RefModel(5, rhs, lambda x: np.array([x[0] / vc, x[3] / vn]) * 1000.0, {"central": 0})


def simons2022(weight_kg: float) -> RefModel:
    """S-ketamine/S-norketamine of Simons 2022 Table 4 (per minute, mg S-ketamine equivalents)."""
    wv, wc = weight_kg / 70.0, (weight_kg / 70.0) ** 0.75
    ka1, ka2, ktr = 0.04, 0.049, 1.0 / 10.7
    vc, vp, vp2 = 11.6 * wv, 39.0 * wv, 174.0 * wv
    cl, q, q2 = 1.48 * wc, 2.43 * wc, 1.21 * wc
    kt = 2.0 / 20.1
    vpn, cln, qn = 221.0 * wv, 1.00 * wc, 2.63 * wc
    # states: depot, depot2, transit1, central, p1, p2, t1_snk, t2_snk, c_snk, p_snk

    def rhs(x: np.ndarray) -> np.ndarray:
        d1, d2, t1, c, p1, p2, m1, m2, nc, npp = x
        return np.array(
            [
                -ka1 * d1,
                -ka2 * d2,
                ka2 * d2 - ktr * t1,
                ka1 * d1 - (cl + q + q2) / vc * c + q / vp * p1 + q2 / vp2 * p2,
                q / vc * c - q / vp * p1,
                q2 / vc * c - q2 / vp2 * p2,
                cl / vc * c + ktr * t1 - kt * m1,
                kt * m1 - kt * m2,
                0.8 * kt * m2 - (cln + qn) / vc * nc + qn / vpn * npp,
                qn / vc * nc - qn / vpn * npp,
            ]
        )

    def conc(x: np.ndarray) -> np.ndarray:
        return np.array([x[3] / vc * 1000.0, x[8] / vc * 1000.0 * 223.70 / 237.73])

    return RefModel(10, rhs, conc, {"mucosal": 0, "gut": 1, "central": 3})
