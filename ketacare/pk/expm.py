"""Batched matrix exponential by scaling and squaring with Pade approximants.

The algorithm is Higham, "The scaling and squaring method for the matrix exponential revisited",
SIAM J Matrix Anal Appl 2005;26:1179-1193 (Algorithm 2.3: degree m in {3, 5, 7, 9, 13} chosen from
the 1-norm against the thresholds theta_m of its Table 2.3). It works for any square matrix,
including defective ones (equal transit rates, ka equal to a disposition eigenvalue), which is why
the engine uses it instead of an eigendecomposition. Each matrix of the stack gets its own number
of squarings, so a short and a long interval can share one call.
"""

from __future__ import annotations

import numpy as np

from ketacare.pk._types import FloatArray

# Higham 2005, Table 2.3 (theta_m for double precision) and the Pade coefficients b_j.
_THETA: dict[int, float] = {
    3: 1.495585217958292e-2,
    5: 2.539398330063230e-1,
    7: 9.504178996162932e-1,
    9: 2.097847961257068e0,
    13: 5.371920351148152e0,
}
_PADE: dict[int, tuple[float, ...]] = {
    3: (120.0, 60.0, 12.0, 1.0),
    5: (30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0),
    7: (17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0),
    9: (
        17643225600.0,
        8821612800.0,
        2075673600.0,
        302702400.0,
        30270240.0,
        2162160.0,
        110880.0,
        3960.0,
        90.0,
        1.0,
    ),
    13: (
        64764752532480000.0,
        32382376266240000.0,
        7771770303897600.0,
        1187353796428800.0,
        129060195264000.0,
        10559470521600.0,
        670442572800.0,
        33522128640.0,
        1323241920.0,
        40840800.0,
        960960.0,
        16380.0,
        182.0,
        1.0,
    ),
}


def expm(matrices: FloatArray) -> FloatArray:
    """exp(M) for each square matrix of a stack shaped (..., n, n)."""
    stack = np.asarray(matrices, dtype=np.float64)
    if stack.ndim < 2 or stack.shape[-1] != stack.shape[-2]:
        raise ValueError("expm needs a stack of square matrices")
    shape = stack.shape
    flat = stack.reshape((-1, shape[-1], shape[-1]))
    if flat.shape[0] == 0:
        return stack.copy()
    return _expm_flat(flat).reshape(shape)


def _expm_flat(a: FloatArray) -> FloatArray:
    n = a.shape[-1]
    eye = np.broadcast_to(np.eye(n), a.shape)
    norms = np.abs(a).sum(axis=-2).max(axis=-1)  # 1-norm of each matrix
    largest = float(norms.max())
    for degree in (3, 5, 7, 9):
        if largest <= _THETA[degree]:
            u, v = _pade_low(a, eye, degree)
            return np.asarray(np.linalg.solve(v - u, v + u), dtype=np.float64)
    squarings = np.maximum(0, np.ceil(np.log2(np.maximum(norms, 1e-300) / _THETA[13]))).astype(
        np.int64
    )
    scaled = a / np.exp2(squarings)[:, None, None]
    u, v = _pade13(scaled, eye)
    result = np.asarray(np.linalg.solve(v - u, v + u), dtype=np.float64)
    for step in range(int(squarings.max())):
        todo = squarings > step
        if todo.all():
            result = result @ result
        else:
            result[todo] = result[todo] @ result[todo]
    return result


def _pade_low(a: FloatArray, eye: FloatArray, degree: int) -> tuple[FloatArray, FloatArray]:
    b = _PADE[degree]
    a2 = a @ a
    power = np.array(eye)
    odd = b[1] * power
    even = b[0] * power
    for k in range(1, degree // 2 + 1):
        power = power @ a2
        odd = odd + b[2 * k + 1] * power
        even = even + b[2 * k] * power
    return a @ odd, even


def _pade13(a: FloatArray, eye: FloatArray) -> tuple[FloatArray, FloatArray]:
    b = _PADE[13]
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u_inner = a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2)
    u = a @ (u_inner + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v_inner = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2)
    v = v_inner + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    return u, v
