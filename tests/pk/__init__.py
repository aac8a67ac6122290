"""Tests of the pharmacokinetic engine (no database)."""
