"""Data files of the PK engine: models, defaults, concentration bands."""
