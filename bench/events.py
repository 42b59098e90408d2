"""How fast do the player's events go in? Havre's batch path vs a bare executemany of the same rows.

    .venv/bin/python bench/events.py [--events 200000] [--batch 200]

Both write into the embedded default (SQLite in WAL mode, the same schema), one transaction per
batch, alternating batch by batch so a busy moment of a shared machine slows both alike:
  1. Havre: ``recs.events.record`` (validation, one SQLAlchemy ``insert`` executemany) and a commit;
  2. bare: ``sqlite3`` ``executemany`` of the same rows and a commit, on its own connection.
Prints events/s for each and the ratio.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from instance import open_instance  # noqa: I001  (puts src/ on the path)

from havre.recs import events  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    kinds = sorted(events.PLAYER_KINDS)
    with tempfile.TemporaryDirectory(prefix="havre-bench-") as name:
        instance = open_instance(Path(name) / "data")
        region = instance.regions.default
        viewer = instance.creator("viewer")
        batch = [events.Signal(video_id=f"video{n % 997:07d}", kind=kinds[n % len(kinds)])
                 for n in range(args.batch)]
        raw = sqlite3.connect(region.engine.url.database or "", isolation_level=None)
        raw.execute("PRAGMA synchronous=NORMAL")
        at = datetime.now(UTC).isoformat(sep=" ")
        rows = [(viewer.id, e.video_id, e.kind, 0, at) for e in batch]
        spent = {"havre": 0.0, "bare": 0.0}
        for _ in range(args.events // args.batch):
            start = time.perf_counter()
            with region.session() as s:
                events.record(s, viewer.id, batch)
                s.commit()
            spent["havre"] += time.perf_counter() - start
            start = time.perf_counter()
            raw.execute("BEGIN")
            raw.executemany("INSERT INTO feed_events (user_id, video_id, kind, watch_ms, at) VALUES (?, ?, ?, ?, ?)",
                            rows)
            raw.execute("COMMIT")
            spent["bare"] += time.perf_counter() - start
        raw.close()
        instance.close()
    total = args.events // args.batch * args.batch
    ours, bare = total / spent["havre"], total / spent["bare"]
    print(f"events into SQLite (WAL), batches of {args.batch}, {total} events each, alternating")
    print(f"  havre (recs.events.record)   {ours:10,.0f} events/s")
    print(f"  bare sqlite3 executemany     {bare:10,.0f} events/s")
    print(f"  ratio havre / bare           {ours / bare:10.2f}x")


if __name__ == "__main__":
    main()
