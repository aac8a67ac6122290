"""Input limits the engine enforces, each with the reason it has that value.

Physiologically impossible or absurd inputs are refused (``PkInputError``); unusual but possible
inputs (e.g. a weight outside the population a model was built on) are accepted and flagged.
"""

from __future__ import annotations

#: Adult and adolescent weights the clinic treats. Below 25 kg is a small child (none of the
#: clinic's protocols); above 350 kg is beyond what a clinic's scales and chairs take.
WEIGHT_MIN_KG = 25.0
WEIGHT_MAX_KG = 350.0

#: Age accepted as a covariate (years); beyond 120 is not a living person.
AGE_MIN_YEARS = 1.0
AGE_MAX_YEARS = 120.0

#: Largest single dose accepted, per kg. The highest published clinical ketamine doses are
#: 4-11 mg/kg IM and 8-10.6 mg/kg rectal for general anaesthesia (Zanos 2018 Pharmacol Rev
#: 70:621, Table 1); 15 mg/kg leaves room above that and refuses typing errors (an extra zero).
DOSE_MAX_MG_PER_KG = 15.0
#: Largest single dose in mg whatever the weight (oral 500 mg is the largest published oral dose,
#: Zanos 2018 Table 1; 11 mg/kg IM at 150 kg is 1650 mg).
DOSE_MAX_MG = 2000.0
#: Longest single infusion: the longest ketamine infusions studied run 100 h (Dahan 2011, S-ketamine
#: for CRPS) to several days (ICU, Koeppel); 14 days bounds them.
INFUSION_MAX_MIN = 14 * 24 * 60.0

#: Largest output grid (number of time points) and the largest population size.
GRID_MAX_POINTS = 10_000_000
POPULATION_MAX_N = 1_000_000

#: Spravato: one device delivers 28 mg esketamine; a session is 1-3 devices (28, 56 or 84 mg)
#: with 5 minutes between devices (US label section 2 and 11; pharmacokinetics.md section 1.4).
ESKETAMINE_DEVICE_MG = 28.0
ESKETAMINE_MAX_DEVICES = 3
ESKETAMINE_DEVICE_INTERVAL_MIN = 5.0
#: Devices given less than this long after the previous one belong to the same session (the
#: Perez-Ruixo decline of the nasal fraction applies to the 2nd and later devices of a session).
ESKETAMINE_SESSION_GAP_MIN = 20.0
