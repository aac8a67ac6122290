"""The controlled-substance ledger: receipts, administrations, waste, transfers and counts."""
