"""Unit conversions and molar masses used when turning compartment amounts into concentrations.

Amounts are in mg, volumes in L, so amount / volume is mg/L = µg/mL; x 1000 gives ng/mL (= µg/L).
"""

from __future__ import annotations

#: mg/L -> ng/mL.
NG_PER_ML_PER_MG_PER_L = 1000.0

#: Ketamine free base C13H16ClNO, g/mol (reference pharmacokinetics.md, "Units").
KETAMINE_MW_G_PER_MOL = 237.73
#: Norketamine free base C12H14ClNO, g/mol, from the formula with IUPAC standard atomic weights
#: (C 12.011, H 1.008, Cl 35.453, N 14.007, O 15.999).
NORKETAMINE_MW_G_PER_MOL = 223.70
