"""Syndication clusters: quality on a generated set, incremental updates, origin, and how users see them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import kpu_archive as run
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from archive.domain.sites import load_registry
from archive.ingest import IngestSession
from archive.ingest.clustering import shingles, similar
from archive.storage.db import open_engine
from archive.storage.models import Article, Cluster, MinhashBand
from crawlers.sample.cluster_eval import evaluate, record
from crawlers.sample.releases import Doc, generate

T0 = datetime(2025, 10, 28, 1, 0, tzinfo=UTC)
RELEASE = (
    "Jakarta, kpu.go.id - Komisi Pemilihan Umum Republik Indonesia menetapkan jadwal pemutakhiran data pemilih "
    "berkelanjutan semester kedua tahun 2025 dalam rapat pleno yang dipimpin langsung oleh Ketua KPU RI.\n\n"
    "Dalam keputusan tersebut seluruh KPU provinsi dan kabupaten kota diminta menyampaikan hasil rekapitulasi "
    "paling lambat tanggal lima setiap bulan berikutnya melalui aplikasi Sidalih.\n\n"
    "Ketua KPU RI menegaskan bahwa data pemilih yang akurat merupakan fondasi pemilu yang berintegritas dan "
    "meminta jajaran di daerah berkoordinasi dengan dinas kependudukan setempat.\n\n"
    "Koordinasi juga dilakukan dengan Bawaslu agar setiap perubahan data dapat diawasi secara terbuka oleh "
    "masyarakat dan partai politik peserta pemilu.\n\n"
    "Masyarakat yang belum terdaftar dapat melapor ke kantor KPU terdekat atau melalui laman cekdptonline "
    "dengan membawa kartu tanda penduduk elektronik."
)
OWN_REPORT = (
    "Ngawi - KPU Kabupaten Ngawi menggelar rapat koordinasi pemutakhiran data pemilih bersama camat dan kepala "
    "desa se-Kabupaten Ngawi di aula kantor pada Selasa pagi.\n\n"
    "Ketua KPU Ngawi menyampaikan bahwa pendataan pemilih pindah domisili masih menjadi pekerjaan rumah, "
    "terutama di desa yang berbatasan dengan Kabupaten Madiun dan Magetan.\n\n"
    "Para kepala desa diminta aktif melaporkan warga yang meninggal dunia maupun warga yang baru berusia tujuh "
    "belas tahun agar daftar pemilih tetap mutakhir.\n\n"
    "Rapat ditutup dengan penandatanganan berita acara kesepakatan bersama antara KPU dan pemerintah desa."
)


def copy_of(text: str, town: str, host: str) -> str:
    paragraphs = text.split("\n\n")
    paragraphs[0] = paragraphs[0].replace("Jakarta, kpu.go.id", f"{town}, {host}")
    del paragraphs[3]  # a dropped paragraph
    return "\n\n".join(paragraphs) + f"\n\n(Humas KPU {town})"


def doc(host: str, native: str, body: str, published: datetime | None, title: str = "Jadwal Pemutakhiran Data") -> Doc:
    return Doc(host, native, title, body, published, "x")  # type: ignore[arg-type]


def archive(engine, *docs: Doc, batch_size: int = 200) -> None:  # type: ignore[no-untyped-def]
    registry = load_registry()
    writer = IngestSession(
        engine, [registry[h] for h in sorted({d.host for d in docs})], batch_size=batch_size, run=False
    )
    for d in docs:
        writer.add(record(d, d.published or T0 + timedelta(days=30), published_at=d.published))
    writer.flush()


def clusters_of(engine) -> dict[str, int | None]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return dict(session.execute(select(Article.native_id, Article.cluster_id)).all())


def test_precision_and_recall_on_the_generated_set(db_url: str) -> None:
    hosts = [(s.host, s.level) for s in load_registry().select()]
    docs = generate(seed=7, hosts=hosts)
    precision, recall, true_pairs, _, _ = evaluate(db_url, docs, batch_size=100)
    assert true_pairs > 500
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)


def test_copies_join_across_batches_and_separate_reports_stay_apart(db_url: str) -> None:
    engine = open_engine(db_url)
    archive(engine, doc("jatim.kpu.go.id", "1", copy_of(RELEASE, "Surabaya", "jatim.kpu.go.id"), T0))
    archive(
        engine,
        doc("kab-ngawi.kpu.go.id", "2", copy_of(RELEASE, "Ngawi", "kab-ngawi.kpu.go.id"), T0 + timedelta(days=1)),
        doc("kab-ngawi.kpu.go.id", "3", OWN_REPORT, T0 + timedelta(days=1)),
    )
    archive(engine, doc("kab-pacitan.kpu.go.id", "4", RELEASE.upper(), T0 + timedelta(hours=5)))
    found = clusters_of(engine)
    assert found["1"] is not None and found["1"] == found["2"] == found["4"]
    assert found["3"] is None
    with Session(engine) as session:
        cluster = session.scalars(select(Cluster)).one()
        origin = session.get(Article, cluster.origin_article_id)
        assert cluster.size == 3 and origin is not None and origin.native_id == "1"
    engine.dispose()


def test_origin_is_earliest_then_the_higher_level(db_url: str) -> None:
    engine = open_engine(db_url)
    day = datetime(2025, 11, 3, tzinfo=UTC)
    # same day-precision date on a regency and a province: the province is the origin
    archive(
        engine,
        doc("kab-ngawi.kpu.go.id", "1", copy_of(RELEASE, "Ngawi", "kab-ngawi.kpu.go.id"), day),
        doc("jatim.kpu.go.id", "2", RELEASE, day),
    )
    with Session(engine) as session:
        origin = session.get(Article, session.scalar(select(Cluster.origin_article_id)))
        assert origin is not None and origin.native_id == "2"
    # an earlier copy found later becomes the origin
    archive(
        engine,
        doc("kab-madiun.kpu.go.id", "3", copy_of(RELEASE, "Madiun", "kab-madiun.kpu.go.id"), day - timedelta(days=1)),
    )
    with Session(engine) as session:
        origin = session.get(Article, session.scalar(select(Cluster.origin_article_id)))
        assert origin is not None and origin.native_id == "3"
        assert session.scalar(select(Cluster.size)) == 3
    engine.dispose()


def test_a_bridging_copy_merges_two_clusters(db_url: str) -> None:
    engine = open_engine(db_url)
    paragraphs = RELEASE.split("\n\n")
    first_half = "\n\n".join(
        paragraphs[:3]
        + [
            "Tambahan keterangan dari KPU daerah mengenai jadwal rapat pleno "
            "rekapitulasi di tingkat kecamatan dan desa kelurahan setempat."
        ]
    )
    second_half = "\n\n".join(
        [
            "Pengantar redaksi tentang keputusan KPU RI yang diteruskan kepada seluruh satuan "
            "kerja di daerah untuk segera ditindaklanjuti."
        ]
        + paragraphs[2:]
    )
    archive(
        engine,
        doc("kab-ngawi.kpu.go.id", "1", first_half, T0),
        doc("kab-magetan.kpu.go.id", "2", first_half, T0),
        doc("kab-madiun.kpu.go.id", "3", second_half, T0),
        doc("kab-pacitan.kpu.go.id", "4", second_half, T0),
    )
    before = clusters_of(engine)  # the halves share one paragraph: too little to call them copies
    assert before["1"] == before["2"] and before["3"] == before["4"] and before["1"] != before["3"]
    archive(engine, doc("jatim.kpu.go.id", "5", RELEASE, T0 - timedelta(hours=3)))
    after = clusters_of(engine)
    assert len({after[n] for n in "12345"}) == 1
    with Session(engine) as session:
        assert session.scalar(select(func.count(Cluster.id))) == 1
    engine.dispose()


def test_short_posts_are_not_clustered_and_edits_reindex(db_url: str) -> None:
    engine = open_engine(db_url)
    short = "Pengumuman hasil seleksi administrasi dapat diunduh pada tautan berikut."
    archive(engine, doc("kab-ngawi.kpu.go.id", "1", short, T0), doc("kab-madiun.kpu.go.id", "2", short, T0))
    assert set(clusters_of(engine).values()) == {None}
    with Session(engine) as session:
        assert session.scalar(select(func.count(MinhashBand.id))) == 0
    # article 2 is edited into a copy of the release that article 3 carries
    archive(engine, doc("jatim.kpu.go.id", "3", RELEASE, T0))
    archive(engine, doc("kab-madiun.kpu.go.id", "2", copy_of(RELEASE, "Madiun", "kab-madiun.kpu.go.id"), T0))
    found = clusters_of(engine)
    assert found["2"] is not None and found["2"] == found["3"] and found["1"] is None
    engine.dispose()


def test_similarity_rule() -> None:
    release = shingles(RELEASE)
    assert similar(release, shingles(copy_of(RELEASE, "Ngawi", "kab-ngawi.kpu.go.id")))
    assert similar(release, shingles(RELEASE.split("\n\n", 2)[2]))  # a copy that kept only the end
    assert not similar(release, shingles(OWN_REPORT))


def test_export_columns_one_per_cluster_and_the_clusters_command(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    engine = open_engine(db)
    archive(
        engine,
        doc("jatim.kpu.go.id", "1", RELEASE, T0),
        doc("kab-ngawi.kpu.go.id", "2", copy_of(RELEASE, "Ngawi", "kab-ngawi.kpu.go.id"), T0 + timedelta(hours=26)),
        doc("kab-madiun.kpu.go.id", "3", copy_of(RELEASE, "Madiun", "kab-madiun.kpu.go.id"), T0 + timedelta(hours=3)),
        doc("kab-ngawi.kpu.go.id", "4", OWN_REPORT, T0, title="Rapat Koordinasi"),
    )
    engine.dispose()
    rows = list(csv.DictReader(io.StringIO(run("export", "--db", db).stdout)))
    assert len(rows) == 4
    by_id = {r["native_id"]: r for r in rows}
    assert by_id["1"]["cluster_id"] == by_id["2"]["cluster_id"] == by_id["3"]["cluster_id"] != ""
    assert [by_id[n]["is_origin"] for n in "1234"] == ["True", "False", "False", "True"]
    assert by_id["4"]["cluster_id"] == ""
    one = list(csv.DictReader(io.StringIO(run("export", "--db", db, "--one-per-cluster").stdout)))
    assert sorted(r["native_id"] for r in one) == ["1", "4"]
    engine = open_engine(db)
    with Session(engine) as session, session.begin():  # the origin is taken down: a live copy stands in
        session.execute(update(Article).where(Article.native_id == "1").values(removed_at=T0 + timedelta(days=9)))
    engine.dispose()
    one = list(csv.DictReader(io.StringIO(run("export", "--db", db, "--one-per-cluster").stdout)))
    assert sorted(r["native_id"] for r in one) == ["2", "4"]
    with_removed = list(
        csv.DictReader(io.StringIO(run("export", "--db", db, "--one-per-cluster", "--include-removed").stdout))
    )
    assert sorted(r["native_id"] for r in with_removed) == ["1", "4"]
    listing = run("clusters", "--db", db)
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0].startswith("cluster ") and "3 copies on 3 sites" in lines[0]
    assert "origin" in lines[1] and "jatim.kpu.go.id" in lines[1]
    assert "+3.0 h" in lines[2] and "kab-madiun" in lines[2]
    assert "+26.0 h" in lines[3] and "kab-ngawi" in lines[3]


def test_backfill_clusters_an_archive_made_without_them(tmp_path: Path) -> None:
    db = str(tmp_path / "old.db")
    engine = open_engine(db)
    registry = load_registry()
    docs = [
        doc("jatim.kpu.go.id", "1", RELEASE, T0),
        doc("kab-ngawi.kpu.go.id", "2", copy_of(RELEASE, "Ngawi", "kab-ngawi.kpu.go.id"), T0 + timedelta(hours=4)),
        doc("kab-ngawi.kpu.go.id", "3", OWN_REPORT, T0),
    ]
    writer = IngestSession(
        engine, [registry[h] for h in sorted({d.host for d in docs})], cluster=False, run=False
    )  # as an archive from before clustering existed
    for d in docs:
        writer.add(record(d, d.published))
    writer.flush()
    assert set(clusters_of(engine).values()) == {None}
    engine.dispose()
    result = run("clusters", "--backfill", "--db", db)
    assert result.returncode == 0, result.stderr
    assert "indexed 3 articles" in result.stderr and "2 copies on 2 sites" in result.stdout
    engine = open_engine(db)
    found = clusters_of(engine)
    assert found["1"] == found["2"] is not None and found["3"] is None
    engine.dispose()
