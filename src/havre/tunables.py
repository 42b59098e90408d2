"""Every setting a person may tune, declared once: its type, default, bounds and the sentence the
README's configuration table shows.

The environment name is ``HAVRE_`` and the field in capitals; the config file's key is the field
(the media limits sit under its ``[media]`` table). The environment wins over the file, the file
over the default (pydantic-settings: the environment source first, the file's values after it).
A bad value stops the start with the setting's name, the value and what is allowed
(``BadSetting``). ``tests/architecture/test_readme_settings.py`` checks README.md's table against
these declarations. Settings that are not single values (the regions, the data dir, the config
file itself) are read by ``havre.config``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

PREFIX = "HAVRE_"
MEDIA_KEYS = ("max_upload_bytes", "max_duration_s", "max_pixels", "replaced_file_grace_s")
K_FLOOR = 20
"""The smallest k of shared item pairs (``recs_k_anonymity``, ``recs.sharing``)."""


class Tunables(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", frozen=True)

    default_region: str = Field("", description="where signups land unless they choose")
    directory_url: str = Field(
        "", description="the global handle/video → region directory (holds nothing personal)")
    base_url: str = Field("", pattern=r"^(https?://.+)?$",
                          description="used in share links, OpenGraph tags and the links the CLI prints")
    job_lease_s: float = Field(60.0, ge=1.0, le=86_400.0,
                               description="how long a running job stays with its process without news")
    import_allow_hosts: str = Field(
        "", description="comma-separated `host[:port]` that members' imports may fetch though private")
    import_max_items: int = Field(5000, ge=1, le=1_000_000, description="imports listing more videos are refused")
    trusted_proxies: str = Field(
        "", description="comma-separated IPs/CIDRs of reverse proxies whose `X-Forwarded-For` names the client")
    recommender: Literal["personal", "popular"] = Field("personal", description="For You's engine")
    recs_train_interval_s: float = Field(3600.0, ge=1.0, le=30 * 86_400.0,
                                         description="how often the job runner trains each region's model again")
    recs_k_anonymity: int = Field(K_FLOOR, ge=K_FLOOR, le=1_000_000,
                                  description="the k of the item pairs a region's model shares with the others")
    deletion_grace_days: float = Field(14.0, ge=0.0, le=365.0,
                                       description="days between \"Delete my account\" and the deletion")
    rate_limit_factor: float = Field(1.0, ge=1.0, le=1e6,
                                     description="multiplies every per-account and per-address rate limit")
    max_upload_bytes: int = Field(512 * 1024 * 1024, ge=1, description="larger uploads are refused")
    max_duration_s: float = Field(600.0, gt=0.0, description="longer videos are refused")
    max_pixels: int = Field(4096 * 2304, ge=1, description="larger frames are refused")
    replaced_file_grace_s: float = Field(3600.0, ge=0.0, description="how long a remux replaced by the ladder "
                                                                      "stays for players that loaded it")

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment first; the config file's values come in as the init values, after it.
        return env_settings, init_settings


class BadSetting(ValueError):
    """A setting's value is not allowed: names the setting, the value and what is allowed."""


def read_tunables(file: dict[str, Any]) -> Tunables:
    """The tunables from the environment and a config file's top-level (and ``[media]``) keys."""
    media = file.get("media", {})
    values = {key: file[key] for key in Tunables.model_fields if key in file and key not in MEDIA_KEYS}
    values.update({key: media[key] for key in MEDIA_KEYS if key in media})
    for key, value in values.items():  # a TOML list is the environment's comma-separated one
        if isinstance(value, list):
            values[key] = ",".join(str(item) for item in value)
    try:
        return Tunables(**values)
    except ValidationError as exc:
        raise BadSetting(_explain(exc)) from None


def _explain(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        key = str(error["loc"][0]) if error["loc"] else "?"
        field = Tunables.model_fields.get(key)
        allowed = f" ({field.description})" if field is not None and field.description else ""
        lines.append(f"{PREFIX}{key.upper()} / {key} = {error.get('input')!r}: {error['msg']}{allowed}")
    return "bad setting: " + "; ".join(lines)
