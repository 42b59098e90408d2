"""The residency audit: verify each region's audit chain and look for data whose owner lives elsewhere.

What is checked in every region R (``havre residency audit``):
- the audit chain is intact (``audit.verify_chain``);
- every row of a table whose rows are a person's belongs to a user (or a video) whose home is R,
  as each table declares it (``db.ownership``; a test fails on a table that holds personal data
  and declares nothing);
- every job payload names only R's users and videos under ``user_id``/``video_id`` (jobs that
  reach other regions name their target ``target_user_id``/``target_video_id``: public ids);
- every blob key (originals, renditions, avatars) belongs to a video or user of R;
- embedded: no file under DATA_DIR outside the region folders except the directory and the
  instance secret, and no log file of R names a user homed elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from havre.blobs import keys
from havre.config import Settings
from havre.db.ownership import owned_tables
from havre.jobs.models import Job
from havre.portability.tables import metadata
from havre.regions import audit
from havre.regions.registry import Region, Regions

# Files an embedded instance keeps outside region folders: nothing personal.
SHARED_FILES = {"directory.db", "directory.db-wal", "directory.db-shm", "secret.key", "regions.json", "served.json"}
# ... and folders: the job runners' instance id and slot locks (havre.workers.identity).
SHARED_FOLDERS = {"runners"}


@dataclass
class RegionReport:
    region: str
    rows_checked: int = 0
    blobs_checked: int = 0
    jobs_checked: int = 0
    audit_entries: int = 0
    chain_problems: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"region": self.region, "rows_checked": self.rows_checked, "blobs_checked": self.blobs_checked,
                "jobs_checked": self.jobs_checked, "audit_entries": self.audit_entries,
                "chain_problems": self.chain_problems, "violations": self.violations}


@dataclass
class ResidencyReport:
    regions: list[RegionReport]
    instance_violations: list[str]

    @property
    def ok(self) -> bool:
        return not self.instance_violations and not any(r.violations or r.chain_problems for r in self.regions)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "regions": [r.as_dict() for r in self.regions],
                "instance_violations": self.instance_violations}


def _check_rows(region: Region, homes: dict[str, str], video_homes: dict[str, str], report: RegionReport) -> None:
    with region.session() as s:
        for table, owned in owned_tables(metadata):
            column = table.c[owned.column]
            directory = homes if owned.via == "user" else video_homes
            for (owner,) in s.execute(select(column).where(column.is_not(None))):
                report.rows_checked += 1
                home = directory.get(owner)
                if home != region.name:
                    where = f"home {home}" if home else "no home in the directory"
                    report.violations.append(f"{table.name}.{column.name}={owner}: {owned.via} with {where}")
        for (home_region,) in s.execute(text("SELECT DISTINCT home_region FROM users")):
            if home_region != region.name:
                report.violations.append(f"users.home_region={home_region} stored in region {region.name}")


def _check_blobs(region: Region, homes: dict[str, str], video_homes: dict[str, str],
                 report: RegionReport) -> None:
    for key in region.blobs.keys():
        report.blobs_checked += 1
        owner = keys.owner_of(key)
        if owner is None:
            report.violations.append(f"blob {key}: not a key Havre writes")
            continue
        kind, ident = owner
        if kind == "region":  # the region's own (its trained model): nobody's, checked for k-anonymity
            continue
        home = (video_homes if kind == "video" else homes).get(ident)
        if home is not None and home != region.name:
            report.violations.append(f"blob {key}: {kind} {ident} lives in {home}")


def _check_files(settings: Settings, regions: Regions, homes: dict[str, str], handles: dict[str, str],
                 reports: dict[str, RegionReport], instance: list[str]) -> None:
    root = settings.data_dir
    if len(settings.regions) < 2 or not root.exists():
        return
    region_dirs = {settings.region_data_dir(r.name).resolve(): r.name for r in regions}
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        owner_region = next((name for d, name in region_dirs.items() if d in path.resolve().parents), None)
        if owner_region is None:
            relative = path.relative_to(root)
            if relative.as_posix() not in SHARED_FILES and relative.parts[0] not in SHARED_FOLDERS:
                instance.append(f"file {relative} lies outside every region folder")
        elif path.suffix == ".log":
            _scan_log(path, owner_region, homes, handles, reports[owner_region])


def _scan_log(path: Path, region: str, homes: dict[str, str], handles: dict[str, str],
              report: RegionReport) -> None:
    content = path.read_text(errors="replace")
    for user_id, home in homes.items():
        if home != region and (user_id in content or f"@{handles[user_id]}" in content):
            report.violations.append(f"log {path.name} names user {user_id} of region {home}")


def audit_residency(settings: Settings, regions: Regions) -> ResidencyReport:
    homes = regions.directory.all_user_homes()
    handles = regions.directory.all_handles()
    video_homes = regions.directory.all_video_homes()
    reports = {r.name: RegionReport(region=r.name) for r in regions}
    instance: list[str] = []
    for region in regions:
        report = reports[region.name]
        with region.session() as s:
            report.chain_problems = [f"entry {p.seq}: {p.problem}" for p in audit.verify_chain(s)]
            report.audit_entries = s.scalar(select(func.count()).select_from(audit.AuditEntry)) or 0
        _check_rows(region, homes, video_homes, report)
        _check_jobs(region, homes, video_homes, report)
        _check_blobs(region, homes, video_homes, report)
    _check_files(settings, regions, homes, handles, reports, instance)
    return ResidencyReport(regions=list(reports.values()), instance_violations=instance)


def _check_jobs(region: Region, homes: dict[str, str], video_homes: dict[str, str],
                         report: RegionReport) -> None:
    with region.session() as s:
        for job in s.scalars(select(Job)):
            report.jobs_checked += 1
            payload = job.payload or {}
            for key, directory in (("user_id", homes), ("video_id", video_homes)):
                ident = payload.get(key)
                home = directory.get(ident) if isinstance(ident, str) else None
                # A deleted video's clean-up jobs may outlive its directory entry (home None).
                if home is not None and home != region.name:
                    report.violations.append(f"job {job.id} ({job.kind}): {key} {ident} belongs to {home}")
