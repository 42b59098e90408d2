"""Settings: environment variables, optionally a TOML file, and the declared regions.

One place reads configuration; everything else receives a ``Settings``.
Environment wins over the TOML file (twelve-factor), the file wins over defaults.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA_DIR = Path("havre-data")


@dataclass(frozen=True, kw_only=True)
class RegionConfig:
    """Where one jurisdiction keeps its stores. Empty URLs mean "embedded under data_dir"."""

    name: str
    database_url: str = ""
    blob_url: str = ""
    broker_url: str = ""


@dataclass(frozen=True, kw_only=True)
class MediaLimits:
    max_upload_bytes: int = 512 * 1024 * 1024
    max_duration_s: float = 600.0
    max_pixels: int = 4096 * 2304
    transcode_timeout_s: float = 900.0
    # A file replaced by a better one (the remux, once the ladder is built) stays this long, so
    # players that loaded the old URL moments before the switch keep playing.
    replaced_file_grace_s: float = 3600.0


@dataclass(frozen=True, kw_only=True)
class Settings:
    data_dir: Path = DEFAULT_DATA_DIR
    regions: tuple[RegionConfig, ...] = (RegionConfig(name="local"),)
    default_region: str = "local"
    # The global handle/video -> region directory (empty: DATA_DIR/directory.db).
    directory_url: str = ""
    media: MediaLimits = field(default_factory=MediaLimits)
    # In-process job runner inside `havre serve`; tests turn it off to drive jobs by hand.
    run_jobs_in_process: bool = True
    job_lease_s: float = 60.0
    base_url: str = "http://127.0.0.1:8000"
    secure_cookies: bool = False
    login_max_failures: int = 5
    login_window_s: int = 900

    def region_data_dir(self, region: str) -> Path:
        # A single embedded region keeps the flat layout; several get one folder each,
        # so nothing of one jurisdiction sits beside another's.
        if len(self.regions) == 1:
            return self.data_dir
        return self.data_dir / "regions" / region

    def secret_key(self) -> bytes:
        """Instance secret (CSRF tokens); created on first use, kept under data_dir."""
        env = os.environ.get("HAVRE_SECRET_KEY")
        if env:
            return env.encode()
        path = self.data_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip().encode()


def _regions_from(names: list[str], table: dict[str, dict[str, str]]) -> tuple[RegionConfig, ...]:
    return tuple(
        RegionConfig(
            name=name,
            database_url=table.get(name, {}).get("database_url", ""),
            blob_url=table.get(name, {}).get("blob_url", ""),
            broker_url=table.get(name, {}).get("broker_url", ""),
        )
        for name in names
    )


def _existing_regions(data: Path) -> list[str]:
    """Regions an embedded multi-region instance already has on disk, so later commands on the
    same data dir need not repeat --regions."""
    folder = data / "regions"
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def load_settings(*, data_dir: str | Path | None = None, config_file: str | Path | None = None,
                  regions: str | None = None) -> Settings:
    """Build settings from (in order of precedence) arguments, environment, TOML file."""
    env = os.environ
    config_file = config_file or env.get("HAVRE_CONFIG")
    file: dict = {}
    if config_file:
        file = tomllib.loads(Path(config_file).read_text())
    data = Path(data_dir or env.get("HAVRE_DATA_DIR") or file.get("data_dir") or DEFAULT_DATA_DIR)
    region_table: dict[str, dict[str, str]] = file.get("regions", {})
    names_text = regions or env.get("HAVRE_REGIONS")
    names = ([n.strip() for n in names_text.split(",") if n.strip()] if names_text
             else list(region_table) or _existing_regions(data) or ["local"])
    for name in names:
        if not name.isidentifier() or name != name.lower():
            raise ValueError(f"Region name {name!r} must be lowercase letters, digits or _.")
    region_configs = _regions_from(names, region_table)
    if len(names) == 1:
        # Twelve-factor single-region deployment: plain env vars describe the one region.
        only = region_configs[0]
        region_configs = (RegionConfig(
            name=only.name,
            database_url=env.get("HAVRE_DATABASE_URL", only.database_url),
            blob_url=env.get("HAVRE_BLOB_URL", only.blob_url),
            broker_url=env.get("HAVRE_BROKER_URL", only.broker_url),
        ),)
    limits = file.get("media", {})
    media = MediaLimits(
        max_upload_bytes=int(env.get("HAVRE_MAX_UPLOAD_BYTES", limits.get("max_upload_bytes", MediaLimits.max_upload_bytes))),
        max_duration_s=float(env.get("HAVRE_MAX_DURATION_S", limits.get("max_duration_s", MediaLimits.max_duration_s))),
        max_pixels=int(env.get("HAVRE_MAX_PIXELS", limits.get("max_pixels", MediaLimits.max_pixels))),
        replaced_file_grace_s=float(env.get("HAVRE_REPLACED_FILE_GRACE_S",
                                            limits.get("replaced_file_grace_s", MediaLimits.replaced_file_grace_s))),
    )
    base_url = env.get("HAVRE_BASE_URL", file.get("base_url", Settings.base_url))
    return Settings(
        data_dir=data,
        regions=region_configs,
        default_region=env.get("HAVRE_DEFAULT_REGION", file.get("default_region", names[0])),
        directory_url=env.get("HAVRE_DIRECTORY_URL", file.get("directory_url", "")),
        media=media,
        base_url=base_url,
        secure_cookies=base_url.startswith("https://"),
        job_lease_s=float(env.get("HAVRE_JOB_LEASE_S", file.get("job_lease_s", Settings.job_lease_s))),
    )
