"""Regions: the only door to stores. A region owns one database, one blob store, one job queue."""

from havre.regions.registry import Region, Regions, UnknownRegion, open_regions

__all__ = ["Region", "Regions", "UnknownRegion", "open_regions"]
