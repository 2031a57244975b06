"""Signering: justering, signing and publishing of municipal meeting protocols."""

__version__ = "0.1.0"
