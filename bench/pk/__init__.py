"""Helpers of bench/bench_pk.py."""
