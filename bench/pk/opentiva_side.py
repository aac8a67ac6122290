"""Times opentiva on the benchmark regimen; runs inside the benchmark's own opentiva venv.

Usage: python opentiva_side.py '{"weight_kg": 70, "dose_mg": 35, "infusion_s": 2400,
"end_s": 14400, "repeats": 30}'. Prints JSON: timings (s) and the plasma curve in ng/mL on
opentiva's 1-second grid (0 .. end_s - 1 s).
"""

from __future__ import annotations

import json
import statistics
import sys
import time


def main() -> None:
    spec = json.loads(sys.argv[1])
    import opentiva
    from opentiva.ketamine import Klamp
    from opentiva.pump import Pump

    def one_run() -> list[list[float]]:
        model = Klamp(0, 40, spec["weight_kg"], 170)
        pump = Pump(model, 1, spec["end_s"])
        pump.add_infusion(0, spec["dose_mg"] / spec["infusion_s"], spec["infusion_s"])
        return pump.run().tolist()

    curve = one_run()  # warm-up (imports, first call)
    times = []
    for _ in range(spec["repeats"]):
        start = time.perf_counter()
        one_run()
        times.append(time.perf_counter() - start)
    print(
        json.dumps(
            {
                "version": getattr(opentiva, "__version__", "1.1.2"),
                "median_s": statistics.median(times),
                "min_s": min(times),
                "repeats": len(times),
                "t_s": [row[0] for row in curve],
                # mg and L give ug/mL; x 1000 for ng/mL
                "conc_ng_per_ml": [row[1] * 1000.0 for row in curve],
            }
        )
    )


if __name__ == "__main__":
    main()
