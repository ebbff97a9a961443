"""The registry: every KPU site, validated on load, with mirrors mapped back to canonical URLs."""

from pathlib import Path

import pytest

from archive.domain.identity import article_ref
from archive.domain.sites import RegistryError, load_registry
from crawlers.platforms.regional_cms.urls import listing_category

HEADER = "host,name,level,province,timezone,host_source"


def test_bundled_registry_covers_every_kpu_site() -> None:
    reg = load_registry()
    levels = [s.level for s in reg]
    assert levels.count("provinsi") == 38
    assert levels.count("kabupaten") + levels.count("kota") == 514
    hosts = {s.host for s in reg}
    for seen in (
        "kipaceh.kpu.go.id",
        "jakartaselatan.kpu.go.id",
        "kip-acehbesar.kpu.go.id",
        "kab-bandungbarat.kpu.go.id",
        "kota-singkawang.kpu.go.id",
        "papuapegunungan.kpu.go.id",
    ):
        assert seen in hosts
        assert reg.get(seen).host_source == "seen"
    assert reg.get("kab-jayawijaya").timezone == "Asia/Jayapura"
    assert reg.get("bali").timezone == "Asia/Makassar"
    assert reg.get("kab-jayawijaya").province == "Papua Pegunungan"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("kab-x.kpu.go.id,KPU X,kampung,Jawa Timur,Asia/Jakarta,derived", "row 2: level 'kampung'"),
        ("kab-x.kpu.go.id,KPU X,kabupaten,Jawa Timur,UTC,derived", "row 2: timezone 'UTC'"),
        ("not a host,KPU X,kabupaten,Jawa Timur,Asia/Jakarta,derived", "row 2: bad host"),
        ("kab-x.kpu.go.id,,kabupaten,Jawa Timur,Asia/Jakarta,derived", "row 2: empty name"),
    ],
)
def test_bad_row_is_named(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(f"{HEADER}\n{row}\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=message):
        load_registry(path)


def test_duplicate_and_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    row = "kab-x.kpu.go.id,KPU X,kabupaten,Jawa Timur,Asia/Jakarta,derived"
    path.write_text(f"{HEADER}\n{row}\n{row}\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="row 3: duplicate host"):
        load_registry(path)
    path.write_text("host,name\nkab-x.kpu.go.id,KPU X\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="missing column"):
        load_registry(path)
    with pytest.raises(RegistryError, match="cannot read registry"):
        load_registry(tmp_path / "absent.csv")


def test_base_url_mirror_maps_back_to_canonical(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(
        f"{HEADER},base_url\nkab-ngawi.kpu.go.id,KPU Ngawi,kabupaten,Jawa Timur,Asia/Jakarta,seen,"
        "http://127.0.0.1:8089/mirror\n",
        encoding="utf-8",
    )
    site = load_registry(path).get("kab-ngawi")
    canonical = "https://kab-ngawi.kpu.go.id/blog/category/14?page=46"
    assert site.fetch_url(canonical) == "http://127.0.0.1:8089/mirror/blog/category/14?page=46"
    assert (
        site.canonical_from_fetched("http://127.0.0.1:8089/mirror/blog/read/5_a")
        == "https://kab-ngawi.kpu.go.id/blog/read/5_a"
    )
    with pytest.raises(KeyError, match="unknown site 'kab-nowhere.kpu.go.id'"):
        load_registry(path).select(["kab-nowhere"])


@pytest.mark.parametrize(
    ("url", "canonical", "native"),
    [
        (
            "https://kab-tolikara.kpu.go.id/blog/read/7817_kpu-kabupaten-tolikara",
            "https://kab-tolikara.kpu.go.id/blog/read/7817_kpu-kabupaten-tolikara",
            "7817",
        ),
        (
            "http://kab-kapuas.kpu.go.id/index.php/blog/read/hasil-pleno/?utm=x#top",
            "https://kab-kapuas.kpu.go.id/blog/read/hasil-pleno",
            "hasil-pleno",
        ),
        (
            "https://kota-x.kpu.go.id/blog/read/59-perkara-sengketa",
            "https://kota-x.kpu.go.id/blog/read/59-perkara-sengketa",
            "59-perkara-sengketa",
        ),
        (
            "https://kpud-grobogankab.go.id/blog/read/9094_kpu-grobogan.html",
            "https://kpud-grobogankab.go.id/blog/read/9094_kpu-grobogan.html",
            "9094",
        ),
        (  # the older regional shape: its identity is the numeric id
            "http://kota-palu.kpu.go.id/index.php/berita/baca/8168/rapat-pleno-terbuka/",
            "https://kota-palu.kpu.go.id/berita/baca/8168/rapat-pleno-terbuka",
            "8168",
        ),
        ("https://kota-palu.kpu.go.id/berita/baca/8168", "https://kota-palu.kpu.go.id/berita/baca/8168", "8168"),
    ],
)
def test_article_identity(url: str, canonical: str, native: str) -> None:
    ref = article_ref(url)
    assert ref is not None and ref.canonical_url == canonical and ref.native_id == native


def test_listing_shapes() -> None:
    assert listing_category("https://ntb.kpu.go.id/index.php/blog/category/104-1?page=33") == ("104-1", 33)
    assert listing_category("https://riau.kpu.go.id/blog/category/104") == ("104", 1)
    assert article_ref("https://riau.kpu.go.id/blog/category/104") is None


def test_the_registry_names_each_sites_platform(tmp_path: Path) -> None:
    from archive.vocab import PLATFORMS
    from crawlers.platforms import PLATFORMS as MODULES
    from crawlers.platforms import platform_for

    assert set(MODULES) == set(PLATFORMS)  # every platform the registry accepts has its module
    registry = load_registry()
    assert {s.platform for s in registry} == {"regional", "kpu-ri", "jdih"}
    assert [s.host for s in registry.select(level="nasional")] == ["www.kpu.go.id", "jdih.kpu.go.id"]
    assert registry["www.kpu.go.id"].platform == "kpu-ri"
    path = tmp_path / "sites.csv"
    path.write_text(HEADER + ",platform\nkab-ngawi.kpu.go.id,KPU Ngawi,kabupaten,Jawa Timur,Asia/Jakarta,seen,\n")
    site = load_registry(path)["kab-ngawi"]
    assert site.platform == "regional" and platform_for(site).fallback_categories == ("104",)
    path.write_text(  # the name an earlier release wrote still reads
        HEADER + ",platform\nkab-ngawi.kpu.go.id,KPU Ngawi,kabupaten,Jawa Timur,Asia/Jakarta,seen,regional-cms\n"
    )
    assert load_registry(path)["kab-ngawi"].platform == "regional"
    path.write_text(
        HEADER + ",platform\nkab-ngawi.kpu.go.id,KPU Ngawi,kabupaten,Jawa Timur,Asia/Jakarta,seen,wordpress\n"
    )
    with pytest.raises(RegistryError, match="platform 'wordpress' is not one of regional, kpu-ri, jdih"):
        load_registry(path)


def test_an_old_berita_url_is_the_same_post_as_its_blog_read_url(tmp_path: Path) -> None:
    from conftest import article, ingest

    from archive.storage.db import open_engine

    engine = open_engine(str(tmp_path / "a.db"))
    ingest(engine, article("https://kota-palu.kpu.go.id/berita/baca/8168/rapat-pleno", "isi"))
    later = ingest(engine, article("https://kota-palu.kpu.go.id/blog/read/8168_rapat-pleno", "isi"))
    assert later.counts["kota-palu.kpu.go.id"].unchanged == 1  # the same article, found by its id
    engine.dispose()


def test_a_users_registry_may_leave_out_host_source(tmp_path: Path) -> None:
    path = tmp_path / "mirrors.csv"
    path.write_text(
        "host,name,level,province,timezone,base_url\n"
        "kab-ngawi.kpu.go.id,KPU Ngawi,kabupaten,Jawa Timur,Asia/Jakarta,http://127.0.0.1:9/\n"
    )
    site = load_registry(path)["kab-ngawi"]
    assert site.host_source == "custom" and site.base_url == "http://127.0.0.1:9/"
