"""Model data files (TOML), one per published model."""
