"""Per-platform knowledge: how one kind of site lays out its menu, listings and articles.

The registry names each site's platform (its ``platform`` column, ``regional`` by default);
the one spider asks ``platform_for(site)`` for the functions it needs.  A second platform (KPU RI's
site, JDIH) is a module beside ``regional_cms`` and one entry in ``PLATFORMS``.
"""

from __future__ import annotations

from archive.domain.sites import Site

from .base import Platform
from .jdih import PLATFORM as JDIH
from .kpu_ri import PLATFORM as KPU_RI
from .regional_cms import PLATFORM as REGIONAL_CMS

PLATFORMS: dict[str, Platform] = {p.name: p for p in (REGIONAL_CMS, KPU_RI, JDIH)}


def platform_for(site: Site) -> Platform:
    """The platform a site runs (the registry has checked that the name is one of ``PLATFORMS``)."""
    return PLATFORMS[site.platform]
