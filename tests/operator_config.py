"""The instance of a test, configured as an operator would for the CLI: a TOML file naming each
region's database and blob store (scale mode), given to a command through its environment."""

from __future__ import annotations

from havre.config import Settings


def cli_env(settings: Settings) -> dict[str, str]:
    lines = [f'directory_url = "{settings.directory_url}"'] if settings.directory_url else []
    for r in settings.regions:
        lines += [f"[regions.{r.name}]"]
        lines += [f'database_url = "{r.database_url}"'] if r.database_url else []
        lines += [f'blob_url = "{r.blob_url}"'] if r.blob_url else []
    config = settings.data_dir.parent / "havre.toml"
    config.write_text("\n".join(lines) + "\n")
    return {"HAVRE_CONFIG": str(config), "HAVRE_REGIONS": ""}
