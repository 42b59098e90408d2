"""Keep numpy's BLAS to a few threads so training shares the machine with the web process.

The limit is read by OpenBLAS/MKL/OpenMP when numpy is first imported, so it only takes effect
if `havre.recs` is imported before numpy; an explicit environment setting always wins.
"""

from __future__ import annotations

import os

DEFAULT_THREADS = 2
_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def limit_threads(threads: int | None = None) -> int:
    """Set the BLAS thread count (default: `HAVRE_RECS_THREADS`, else 2, at most the CPU count)."""
    if threads is None:
        threads = int(os.environ.get("HAVRE_RECS_THREADS", DEFAULT_THREADS))
    threads = max(1, min(threads, os.cpu_count() or 1))
    for name in _VARIABLES:
        os.environ.setdefault(name, str(threads))
    return threads
