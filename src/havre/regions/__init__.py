"""Regions: the only door to stores. A region owns one database, one blob store, one job queue."""

from havre.regions.registry import (
    Region,
    Regions,
    ResidencyViolation,
    UnknownRegion,
    open_regions,
    serving,
    serving_region,
)

__all__ = ["Region", "Regions", "ResidencyViolation", "UnknownRegion", "open_regions", "serving",
           "serving_region"]
