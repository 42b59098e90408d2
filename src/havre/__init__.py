"""Havre: a self-hostable short-video platform creators can own."""

__version__ = "0.1.0"
