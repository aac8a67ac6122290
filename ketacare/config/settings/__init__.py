"""Settings modules: ``base`` (local use and the demo), ``test``, ``production``."""
