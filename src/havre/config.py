"""Settings: environment variables, optionally a TOML file, and the declared regions.

One place reads configuration; everything else receives a ``Settings``.
Environment wins over the TOML file (twelve-factor), the file wins over defaults. Each single-value
setting is declared once in ``havre.tunables`` (type, default, bounds, what the README says);
this module reads the rest: the data dir, the config file, the regions and their stores.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import secrets
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from havre.tunables import read_tunables

DEFAULT_DATA_DIR = Path("havre-data")
# An embedded instance's declared regions, under the data dir (written by `havre regions add`
# and by the first command that creates the instance; see havre.regions.declared).
REGIONS_FILE = "regions.json"
# Where an instance's regions are declared, strongest first. IN_LAYOUT: a data dir made before
# REGIONS_FILE existed, read from its folders.
IN_ENV, IN_CONFIG, IN_DATA_DIR, IN_LAYOUT = "HAVRE_REGIONS", "the config file", REGIONS_FILE, "its folders"
# The address the last `havre serve`/`demo` on this data dir gave its links (written by
# ``record_base_url``), so the other commands print links to where the instance really is.
SERVED_FILE = "served.json"


class UndeclaredRegion(LookupError):
    """A command named a region the instance does not declare. Refused before anything is
    written, so a typo never creates a region (nor a store where it does not belong)."""

    def __init__(self, name: str, *, declared: tuple[str, ...], declared_in: str, data_dir: Path) -> None:
        how = {IN_ENV: "To add a region, list it in HAVRE_REGIONS.",
               IN_CONFIG: f"To add a region, give it a [regions.{name}] table in the config file."}
        where = {IN_DATA_DIR: f"declared in {data_dir / REGIONS_FILE}", IN_LAYOUT: f"the folders of {data_dir}",
                 "": "those of a fresh data dir"}.get(declared_in, f"declared in {declared_in}")
        super().__init__(f"This instance has no region {name!r}; its regions are {', '.join(declared)} "
                         f"({where}). "
                         + how.get(declared_in, f"To add a region: havre regions add {name}"))


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
    # Every region the instance declares (``regions`` may be a selection: a worker for one
    # region) and where (IN_*; "" while a fresh data dir declares none yet).
    declared: tuple[str, ...] = ()
    declared_in: str = ""
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
    # Proxies (IPs or CIDRs) whose X-Forwarded-For is believed; nobody's by default (see
    # havre.web.client_address): a header anyone can send must not choose the throttled address.
    trusted_proxies: tuple[str, ...] = ()
    # Imports started by members fetch only public addresses; these hosts ("host" or "host:port",
    # as written in the links) may be fetched even when private: a mirror, a test stand-in CDN.
    import_allow_hosts: tuple[str, ...] = ()
    # The most items (videos) one import takes: each costs downloads, and a small zip can list many.
    import_max_items: int = 5000
    # For You's engine (feed.recommender): "personal" (the viewer's taste and the trained model)
    # or "popular" (the same ranking for everyone).
    recommender: str = "personal"
    # How often each region's model is trained again in the background (the job runner).
    recs_train_interval_s: float = 3600.0
    # k of the item pairs a region's model shares with the others (recs.sharing): a pair leaves
    # only once at least k distinct viewers produced it. 20 at least.
    recs_k_anonymity: int = 20
    # Days between "Delete my account" and the deletion; logging in meanwhile cancels it.
    deletion_grace_days: float = 14.0
    # Multiplies every rate limit of havre.web.rate_limits (1: the documented numbers). Only a load
    # test of one account from one address has a reason to raise it; it cannot go below 1.
    rate_limit_factor: float = 1.0

    def region_data_dir(self, region: str) -> Path:
        # A single embedded region keeps the flat layout; several get one folder each,
        # so nothing of one jurisdiction sits beside another's.
        if len(self.declared or self.regions) == 1:
            return self.data_dir
        return self.data_dir / "regions" / region

    def secret_key(self) -> bytes:
        """Instance secret (CSRF tokens); created on first use, kept under data_dir."""
        env = os.environ.get("HAVRE_SECRET_KEY")
        if env:
            return env.encode()
        path = self.data_dir / "secret.key"
        if not path.exists():
            # Processes starting together (a web process, its workers) must end up with one key,
            # never read a half-written one, and never see it readable by others: each writes its
            # own private file (mkstemp: 0600) and links it in only if none is there yet.
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=path.parent, prefix=".secret.key.", suffix=".tmp")
            try:
                with os.fdopen(fd, "w") as out:
                    out.write(secrets.token_hex(32))
                with contextlib.suppress(FileExistsError):  # another process's key came first: keep it
                    os.link(name, path)
            finally:
                os.unlink(name)
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


def _networks(value: str | list[str]) -> tuple[str, ...]:
    """Trusted proxies as normalized networks ("10.0.0.7" -> "10.0.0.7/32"); a typo fails here,
    at startup, instead of silently trusting nobody."""
    try:
        return tuple(str(ipaddress.ip_network(item, strict=False)) for item in _names(value))
    except ValueError as exc:
        raise ValueError(f"HAVRE_TRUSTED_PROXIES / trusted_proxies: {exc}") from None


def _names(value: str | list[str]) -> tuple[str, ...]:
    """A comma-separated list (environment) or a TOML list, without blanks."""
    items = value.split(",") if isinstance(value, str) else value
    return tuple(item.strip() for item in items if item.strip())


def check_region_name(name: str) -> str:
    if not name.isidentifier() or name != name.lower():
        raise ValueError(f"Region name {name!r} must be lowercase letters, digits or _.")
    return name


def declared_regions(data: Path, table: Mapping[str, object], env: Mapping[str, str]) -> tuple[list[str], str]:
    """The instance's regions and where they are declared (IN_*): HAVRE_REGIONS, else the
    config file's [regions.NAME] tables, else DATA_DIR/regions.json, else (a data dir from
    before that file) its layout. ([], "") for a data dir that holds no instance yet."""
    if env.get("HAVRE_REGIONS", "").strip():
        return [n.strip() for n in env["HAVRE_REGIONS"].split(",") if n.strip()], IN_ENV
    if table:
        return list(table), IN_CONFIG
    if (data / REGIONS_FILE).exists():
        return list(json.loads((data / REGIONS_FILE).read_text())["regions"]), IN_DATA_DIR
    folders = data / "regions"
    found = sorted(p.name for p in folders.iterdir() if p.is_dir()) if folders.is_dir() else []
    if found:
        return found, IN_LAYOUT
    if (data / "havre.db").exists():  # the flat layout of one region, by default named local
        return ["local"], IN_LAYOUT
    return [], ""


def _choose_regions(selection: str | None, declared: list[str], declared_in: str, default: str,
                    data: Path) -> list[str]:
    """The regions a command serves: a selection of the declared ones (all by default). On a data
    dir that declares none yet, the selection (or ``default``) is what it will declare."""
    chosen = [check_region_name(n.strip()) for n in (selection or "").split(",") if n.strip()]
    for name in chosen:
        if declared and name not in declared:
            raise UndeclaredRegion(name, declared=tuple(declared), declared_in=declared_in, data_dir=data)
    return chosen or declared or [check_region_name(n.strip()) for n in default.split(",") if n.strip()]


def served_base_url(data_dir: Path) -> str | None:
    """The base URL the last server of ``data_dir`` used; None if none was recorded (or unreadable)."""
    try:
        url = json.loads((data_dir / SERVED_FILE).read_text()).get("base_url")
    except (OSError, ValueError, AttributeError):
        return None
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


def record_base_url(settings: Settings) -> None:
    """Remember where a starting server's links point, for the commands run beside it (replaced
    at once: a reader never sees half a file)."""
    if served_base_url(settings.data_dir) == settings.base_url:
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=settings.data_dir, prefix=SERVED_FILE + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(json.dumps({"base_url": settings.base_url}) + "\n")
        os.replace(name, settings.data_dir / SERVED_FILE)
    finally:
        Path(name).unlink(missing_ok=True)


def load_settings(*, data_dir: str | Path | None = None, config_file: str | Path | None = None,
                  regions: str | None = None, new_regions: str = "local", served_url: str | None = None,
                  ) -> Settings:
    """Build settings from (in order of precedence) arguments, environment, TOML file.

    ``regions`` selects among the declared regions (UndeclaredRegion for any other); on a data
    dir that declares none yet, it (else ``new_regions``) names the regions to declare.
    ``served_url``: where this process serves, the base URL unless HAVRE_BASE_URL says otherwise;
    without it, where the data dir's last server served (``record_base_url``).
    """
    env = os.environ
    config_file = config_file or env.get("HAVRE_CONFIG")
    file: dict[str, Any] = {}
    if config_file:
        file = tomllib.loads(Path(config_file).read_text())
    data = Path(data_dir or env.get("HAVRE_DATA_DIR") or file.get("data_dir") or DEFAULT_DATA_DIR)
    region_table: dict[str, dict[str, str]] = file.get("regions", {})
    declared, declared_in = declared_regions(data, region_table, env)
    names = _choose_regions(regions, declared, declared_in, new_regions, data)
    declared = declared or names
    for name in declared:
        check_region_name(name)
    knobs = read_tunables(file)
    default_region = knobs.default_region or names[0]
    if default_region not in declared:
        raise UndeclaredRegion(default_region, declared=tuple(declared), declared_in=declared_in, data_dir=data)
    region_configs = _regions_from(names, region_table)
    if len(declared) == 1:
        # Twelve-factor single-region deployment: plain env vars describe the one region.
        only = region_configs[0]
        region_configs = (RegionConfig(
            name=only.name,
            database_url=env.get("HAVRE_DATABASE_URL", only.database_url),
            blob_url=env.get("HAVRE_BLOB_URL", only.blob_url),
            broker_url=env.get("HAVRE_BROKER_URL", only.broker_url),
        ),)
    media = MediaLimits(max_upload_bytes=knobs.max_upload_bytes, max_duration_s=knobs.max_duration_s,
                        max_pixels=knobs.max_pixels, replaced_file_grace_s=knobs.replaced_file_grace_s)
    base_url = knobs.base_url or served_url or served_base_url(data) or Settings.base_url
    return Settings(
        data_dir=data,
        regions=region_configs,
        # A selection without the default region (a worker for another one) uses its first.
        default_region=default_region if default_region in names else names[0],
        declared=tuple(declared),
        declared_in=declared_in,
        directory_url=knobs.directory_url,
        media=media,
        base_url=base_url,
        secure_cookies=base_url.startswith("https://"),
        job_lease_s=knobs.job_lease_s,
        import_allow_hosts=_names(knobs.import_allow_hosts),
        import_max_items=knobs.import_max_items,
        trusted_proxies=_networks(knobs.trusted_proxies),
        recommender=knobs.recommender,
        recs_train_interval_s=knobs.recs_train_interval_s,
        recs_k_anonymity=knobs.recs_k_anonymity,
        deletion_grace_days=knobs.deletion_grace_days,
        rate_limit_factor=knobs.rate_limit_factor,
    )
