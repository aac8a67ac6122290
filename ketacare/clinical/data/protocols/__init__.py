"""Packaged clinical data files (a package so that wheels include them)."""
