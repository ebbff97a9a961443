"""The site registry: every KPU news site as data, validated on load.

One row per site in ``archive/data/sites.csv``.  ``--registry FILE`` swaps in another file with
the same columns plus an optional ``base_url`` (a mirror or a local test server) and an optional
``platform`` (the software the site runs: ``regional`` when empty, ``kpu-ri`` or ``jdih``).  Requests then go to
``base_url`` while the archive keeps recording the canonical ``https://{host}/...`` URL.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..vocab import HOST_SOURCES, LEVELS, PLATFORM_ALIASES, PLATFORMS, TIMEZONES

DEFAULT_REGISTRY = Path(__file__).parent.parent / "data" / "sites.csv"
DEFAULT_PLATFORM = PLATFORMS[0]
CUSTOM_HOST_SOURCE = "custom"
REQUIRED_COLUMNS = ("host", "name", "level", "province", "timezone")  # host_source may be left out: "custom"
_HOST_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$")


class RegistryError(ValueError):
    """A registry file that cannot be used; the message names the file and row."""


@dataclass(frozen=True, slots=True)
class Site:
    """One site of the registry (the archive's ``sites`` table row is ``storage.models.SiteRow``)."""

    host: str
    name: str
    level: str
    province: str
    timezone: str
    host_source: str
    base_url: str | None = None
    platform: str = DEFAULT_PLATFORM

    @property
    def canonical_base(self) -> str:
        return f"https://{self.host}"

    @property
    def fetch_base(self) -> str:
        return (self.base_url or self.canonical_base).rstrip("/")

    def fetch_url(self, canonical_url: str) -> str:
        """Where to request a canonical URL of this site (the mirror when ``base_url`` is set)."""
        if not self.base_url:
            return canonical_url
        parts = urlsplit(canonical_url)
        base = urlsplit(self.fetch_base)
        return urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, ""))

    def canonical_from_fetched(self, url: str) -> str:
        """Map a fetched (possibly mirror) URL back to the site's canonical host."""
        parts = urlsplit(url)
        path = parts.path
        if self.base_url:
            base = urlsplit(self.fetch_base)
            if parts.netloc != base.netloc:
                return url  # off-mirror link: leave it as the page wrote it
            if base.path and path.startswith(base.path):
                path = path[len(base.path) :] or "/"
        elif parts.netloc not in (self.host, ""):
            return url
        return urlunsplit(("https", self.host, path, parts.query, parts.fragment))

    def owns(self, url: str) -> bool:
        netloc = urlsplit(url).netloc
        return netloc == self.host or (self.base_url is not None and netloc == urlsplit(self.fetch_base).netloc)


class Registry:
    """All sites of one registry file, looked up by host."""

    def __init__(self, sites: Iterable[Site], source: Path) -> None:
        self.source = source
        self._by_host = {s.host: s for s in sites}

    def __iter__(self) -> Iterator[Site]:
        return iter(self._by_host.values())

    def __len__(self) -> int:
        return len(self._by_host)

    def __getitem__(self, host: str) -> Site:
        """The site of ``host`` (in any form ``normalise_host`` takes); ``KeyError`` naming it when unknown."""
        site = self.get(host)
        if site is None:
            raise KeyError(f"unknown site {host!r}: not in registry {self.source}")
        return site

    def get(self, host: str) -> Site | None:
        return self._by_host.get(normalise_host(host))

    def select(self, hosts: Iterable[str] = (), *, level: str | None = None, province: str | None = None) -> list[Site]:
        """Sites named by host (all when none are named), filtered by level and province.

        An unknown host raises ``KeyError`` naming it, so a typo never crawls nothing silently.
        """
        wanted = [normalise_host(h) for h in hosts]
        unknown = [h for h in wanted if h not in self._by_host]
        if unknown:
            raise KeyError(f"unknown site {unknown[0]!r}: not in registry {self.source}")
        sites = [self._by_host[h] for h in dict.fromkeys(wanted)] if wanted else list(self)
        if level:
            sites = [s for s in sites if s.level == level.lower()]
        if province:
            sites = [s for s in sites if s.province.lower() == province.lower()]
        return sites


def normalise_host(value: str) -> str:
    """Accept ``kab-ngawi``, ``kab-ngawi.kpu.go.id`` or a URL, and return the host."""
    value = value.strip().lower()
    if "://" in value:
        value = urlsplit(value).netloc
    value = value.strip("/")
    if value and "." not in value:
        value = f"{value}.kpu.go.id"
    return value


def load_registry(path: str | Path | None = None) -> Registry:
    """Read and validate a registry CSV; the first bad row raises ``RegistryError``."""
    source = Path(path) if path else DEFAULT_REGISTRY
    try:
        handle = source.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise RegistryError(f"cannot read registry {source}: {exc.strerror or exc}") from None
    with handle:
        try:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise RegistryError(f"registry {source}: missing column(s) {', '.join(missing)}")
            sites: list[Site] = []
            seen: set[str] = set()
            for line_no, row in enumerate(reader, start=2):
                site = _parse_row(row, f"registry {source} row {line_no}")
                if site.host in seen:
                    raise RegistryError(f"registry {source} row {line_no}: duplicate host {site.host!r}")
                seen.add(site.host)
                sites.append(site)
        except UnicodeDecodeError:
            raise RegistryError(f"registry {source}: not UTF-8 text") from None
        except csv.Error as exc:
            raise RegistryError(f"registry {source}: {exc}") from None
    if not sites:
        raise RegistryError(f"registry {source}: no sites")
    return Registry(sites, source)


def _parse_row(row: dict[str, str | None], where: str) -> Site:
    values = {k: (v or "").strip() for k, v in row.items() if k}
    if None in row:
        raise RegistryError(f"{where}: more fields than columns")
    host = values["host"].lower()
    if not _HOST_RE.match(host):
        raise RegistryError(f"{where}: bad host {values['host']!r}")
    for column in ("name", "province"):
        if not values[column]:
            raise RegistryError(f"{where}: empty {column}")
    values["host_source"] = values.get("host_source") or CUSTOM_HOST_SOURCE  # a user's own list of sites
    checks = (("level", LEVELS), ("timezone", TIMEZONES), ("host_source", HOST_SOURCES))
    for column, allowed in checks:
        if values[column] not in allowed:
            raise RegistryError(f"{where}: {column} {values[column]!r} is not one of {', '.join(allowed)}")
    base_url = values.get("base_url") or None
    if base_url:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RegistryError(f"{where}: bad base_url {base_url!r}")
    platform = values.get("platform") or DEFAULT_PLATFORM
    platform = PLATFORM_ALIASES.get(platform, platform)
    if platform not in PLATFORMS:
        raise RegistryError(f"{where}: platform {platform!r} is not one of {', '.join(PLATFORMS)}")
    return Site(
        host=host,
        name=values["name"],
        level=values["level"],
        province=values["province"],
        timezone=values["timezone"],
        host_source=values["host_source"],
        base_url=base_url,
        platform=platform,
    )
