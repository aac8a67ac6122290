"""The stable instrument ids, in the order the CLI and the docs list them.

A module of its own, free of imports, so the command line can name them in its help without
loading the instrument files.
"""

INSTRUMENT_IDS: tuple[str, ...] = (
    "phq9",
    "phq2",
    "gad7",
    "pcl5",
    "madrs",
    "qids_sr16",
    "cssrs_screener",
    "cadss",
    "moaas",
    "ybocs",
    "pain_nrs",
    "audit_c",
    "dast10",
    "peg",
    "hit6",
    "ocir",
    "cgi_s",
    "cgi_i",
    "icsi",
    "ymrs",
)
