"""A generated, labelled set for syndication clustering: copies of releases among hard negatives.

* **Releases** and their regional copies.  A copy changes the dateline, may add a local opening
  sentence and a credit, drops a sentence or two, changes a few words and the title's case:
  what regional sites do to a national or provincial release.
* **Separately written reports of one event** (every site's own Sumpah Pemuda ceremony): the same
  event vocabulary, names and phrases, written independently.  The three real Sumpah Pemuda
  reports of the bundled sample data are one such group.
* **Templated reports** (every regency's own PDPB recapitulation): a shared skeleton with each
  site's own figures and names, plus each site's own sentences.
* Unrelated background posts.

Text is synthetic Indonesian-like prose: words of the real sample texts and made-up words drawn
with Zipf weights, and common KPU phrases, so unrelated texts share words but few 3-word runs, as
real ones do.  ``label`` is the ground truth: documents with the same label are copies.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .pages import expected_body_text
from .server import load_articles

PHRASES = [
    "Komisi Pemilihan Umum (KPU)",
    "pemutakhiran data pemilih berkelanjutan",
    "rapat pleno terbuka",
    "Daftar Pemilih Tetap (DPT)",
    "Pemilihan Umum Tahun 2024",
    "Pemilihan Kepala Daerah",
    "Ketua KPU",
    "Anggota KPU Divisi Perencanaan, Data dan Informasi",
    "Sekretaris KPU",
    "jajaran sekretariat",
    "Badan Pengawas Pemilihan Umum (Bawaslu)",
    "partai politik peserta pemilu",
    "pemilih pemula",
    "Panitia Pemilihan Kecamatan (PPK)",
    "Panitia Pemungutan Suara (PPS)",
    "tahapan penyelenggaraan pemilu",
    "dalam rangka",
    "sebagai bentuk",
    "di Aula Kantor KPU",
    "Data Pemilih Berkelanjutan (DPB)",
    "pendidikan pemilih",
    "partisipasi masyarakat",
    "Jaringan Dokumentasi dan Informasi Hukum (JDIH)",
    "sistem informasi data pemilih (Sidalih)",
    "kegiatan tersebut",
    "dihadiri oleh",
    "serta seluruh",
]
EVENTS = {
    "sumpah-pemuda": [
        "Upacara Peringatan Hari Sumpah Pemuda ke-97",
        "Pemuda Pemudi Bergerak Indonesia Bersatu",
        "bertindak sebagai pembina upacara",
        "membacakan naskah Sumpah Pemuda",
        "semangat persatuan generasi muda",
        "amanat Menteri Pemuda dan Olahraga",
        "28 Oktober 2025",
        "halaman kantor",
    ],
    "hut-ri": [
        "Upacara Peringatan HUT ke-80 Kemerdekaan Republik Indonesia",
        "Bersatu Berdaulat Rakyat Sejahtera",
        "pengibaran bendera Merah Putih",
        "inspektur upacara",
        "17 Agustus 2025",
        "detik-detik proklamasi",
        "mengheningkan cipta",
    ],
    "hari-pahlawan": [
        "Upacara Peringatan Hari Pahlawan",
        "10 November 2025",
        "jasa para pahlawan",
        "meneruskan perjuangan",
        "pembacaan teks Pancasila",
        "tabur bunga",
    ],
    "jdih": [
        "Rapat Koordinasi Evaluasi JDIH",
        "pengelolaan dokumen hukum",
        "layanan informasi hukum",
        "Semester I Tahun 2025",
        "penguatan kelembagaan JDIH",
        "produk hukum KPU",
    ],
    "kpu-mengajar": [
        "program KPU Mengajar",
        "siswa sekolah menengah atas",
        "demokrasi dan pemilu",
        "pemilih cerdas",
        "aksi interaktif",
        "generasi muda",
    ],
}
TEMPLATE = [
    "KPU {site} menggelar rapat pleno terbuka rekapitulasi Daftar Pemilih Berkelanjutan (DPB) triwulan III "
    "tahun 2025 pada {day}",
    "Berdasarkan hasil rekapitulasi jumlah pemilih di {site} sebanyak {n1} pemilih yang terdiri atas {n2} "
    "pemilih laki-laki dan {n3} pemilih perempuan",
    "Pemilih tersebut tersebar di {n4} kecamatan dan {n5} desa atau kelurahan",
    "Rapat pleno dihadiri oleh Bawaslu {site}, perwakilan partai politik, Dinas Kependudukan dan Pencatatan "
    "Sipil serta instansi terkait",
    "Ketua KPU {site} {person} menyampaikan bahwa pemutakhiran data pemilih berkelanjutan dilakukan setiap triwulan",
]
_SYLLABLES = [
    "ka",
    "ba",
    "ra",
    "sa",
    "ta",
    "ma",
    "na",
    "la",
    "pa",
    "da",
    "ga",
    "ja",
    "ha",
    "wa",
    "ya",
    "ke",
    "be",
    "re",
    "se",
    "te",
    "me",
    "ne",
    "le",
    "pe",
    "de",
    "ki",
    "bi",
    "ri",
    "si",
    "ti",
    "mi",
    "ni",
    "li",
    "pi",
    "di",
    "ku",
    "bu",
    "ru",
    "su",
    "tu",
    "mu",
    "nu",
    "lu",
    "pu",
    "du",
    "an",
    "ang",
    "ung",
]


@dataclass
class Doc:
    host: str
    native_id: str
    title: str
    body: str
    published: datetime
    label: str  # ground truth: copies share it


class Prose:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        real = " ".join(expected_body_text(a, "a") for a in load_articles())
        words = sorted({w.lower() for w in re.findall(r"[A-Za-z]{3,}", real)})
        made = {"".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(4000)}
        self.vocab = words + sorted(made - set(words))
        rng.shuffle(self.vocab)
        weights = [1 / (rank + 1) ** 0.9 for rank in range(len(self.vocab))]
        self.cum_weights = list(itertools.accumulate(weights))

    def words(self, k: int) -> list[str]:
        return self.rng.choices(self.vocab, cum_weights=self.cum_weights, k=k)

    def sentence(self, extra: list[str] | None = None, extra_p: float = 0.0) -> str:
        tokens = self.words(self.rng.randint(8, 20))
        for i in range(len(tokens)):
            r = self.rng.random()
            if extra and r < extra_p:
                tokens[i] = self.rng.choice(extra)
            elif r < extra_p + 0.12:
                tokens[i] = self.rng.choice(PHRASES)
        text = " ".join(tokens)
        return text[0].upper() + text[1:] + "."

    def title(self) -> str:
        return " ".join(w.capitalize() for w in self.words(self.rng.randint(5, 10)))


def _town(host: str) -> str:
    name = host.split(".")[0]
    return re.sub(r"^(kab|kota|kip)-", "", name).replace("-", " ").title()


def _copy(rng: random.Random, source: list[str], host: str, prose: Prose) -> list[str]:
    town = _town(host)
    sentences = list(source)
    sentences[0] = re.sub(r"^[^,]*, [a-z.-]+ - ", "", sentences[0])
    sentences[0] = f"{town}, {host} - {sentences[0]}"  # the regional dateline
    for _ in range(rng.choice([0, 1, 1, 2])):  # dropped sentences
        if len(sentences) > 4:
            sentences.pop(rng.randrange(1, len(sentences)))
    for _ in range(rng.randint(0, 3)):  # a changed word here and there
        i = rng.randrange(len(sentences))
        words = sentences[i].split()
        words[rng.randrange(len(words))] = rng.choice(prose.vocab)
        sentences[i] = " ".join(words)
    if rng.random() < 0.4:  # a local opening
        sentences.insert(1, f"Informasi ini diteruskan oleh KPU {town} kepada masyarakat {town}.")
    if rng.random() < 0.6:
        sentences.append(f"(Humas KPU {town})")
    return sentences


def generate(
    seed: int = 1,
    releases: int = 40,
    events_per: int = 8,
    templated: int = 30,
    background: int = 150,
    hosts: list[tuple[str, str]] | None = None,
) -> list[Doc]:
    """``hosts``: (host, level) pairs to post on; origins are provincial, copies regional."""
    world = _World(random.Random(seed), hosts or [])
    world.releases(releases)
    world.events(events_per)
    world.templated(templated)
    world.background(background)
    world.rng.shuffle(world.docs)
    return world.docs


class _World:
    """The generator's state: one random stream, so a seed always gives the same documents."""

    def __init__(self, rng: random.Random, hosts: list[tuple[str, str]]) -> None:
        self.rng = rng
        self.prose = Prose(rng)
        self.provinces = [h for h, level in hosts if level == "provinsi"]
        self.regional = [h for h, level in hosts if level != "provinsi"]
        self.t0 = datetime(2025, 1, 6, 2, 0, tzinfo=UTC)
        self.docs: list[Doc] = []
        self._ids = iter(range(10_000, 10_000_000))

    def add(self, host: str, title: str, sentences: list[str], when: datetime, label: str) -> None:
        self.docs.append(Doc(host, str(next(self._ids)), title, "\n\n".join(sentences), when, label))

    def releases(self, count: int) -> None:
        """Provincial releases, each re-posted (lightly edited) by 1 to 12 regional sites."""
        rng, prose = self.rng, self.prose
        for r in range(count):
            origin = rng.choice(self.provinces)
            when = self.t0 + timedelta(hours=rng.randint(0, 24 * 300))
            sentences = [f"Jakarta, kpu.go.id - {prose.sentence()}"]
            sentences += [prose.sentence() for _ in range(rng.randint(8, 22))]
            title = prose.title()
            self.add(origin, title, sentences, when, f"release-{r}")
            for copy_host in rng.sample(self.regional, rng.randint(1, 12)):
                copy_title = title.upper() if rng.random() < 0.3 else title
                copy = _copy(rng, sentences, copy_host, prose)
                self.add(copy_host, copy_title, copy, when + timedelta(hours=rng.randint(1, 24 * 7)), f"release-{r}")

    def events(self, per_event: int) -> None:
        """Separately written reports of one event: shared names and phrases, few shared 3-word runs."""
        rng, prose = self.rng, self.prose
        for event, phrases in EVENTS.items():
            when = self.t0 + timedelta(days=rng.randint(0, 300))
            for i, host in enumerate(rng.sample(self.regional, per_event)):
                town = _town(host)
                sentences = [f"{town}, {host} - KPU {town} melaksanakan {phrases[0]} {prose.sentence(phrases, 0.2)}"]
                sentences += [prose.sentence(phrases + [f"KPU {town}"], 0.25) for _ in range(rng.randint(6, 14))]
                late = when + timedelta(hours=rng.randint(0, 30))
                self.add(host, f"KPU {town} {phrases[0]}", sentences, late, f"{event}-{i}")
        real_event = [a for a in load_articles() if "Sumpah Pemuda" in a.title]
        for i, article in enumerate(real_event):  # the real, separately written Sumpah Pemuda reports
            body = expected_body_text(article, "a").split("\n\n")
            self.add(article.host, article.title, body, self.t0 + timedelta(days=296, hours=i), f"real-event-{i}")

    def templated(self, count: int) -> None:
        """Reports filled into one template, each with its own figures and a few sentences of its own."""
        rng, prose = self.rng, self.prose
        for i, host in enumerate(rng.sample(self.regional, min(count, len(self.regional)))):
            town = _town(host)

            def figure(low: int, high: int) -> str:
                return f"{rng.randint(low, high)}.{rng.randint(100, 999)}"

            values = {"site": town, "day": f"Senin ({rng.randint(1, 9)}/10/2025)", "n1": figure(50, 900),
                      "n2": figure(20, 450), "n3": figure(20, 450), "n4": str(rng.randint(5, 40)),
                      "n5": str(rng.randint(50, 400)),
                      "person": f"{prose.title().split()[0]} {prose.title().split()[0]}"}  # fmt: skip
            sentences = [s.format(**values) + "." for s in TEMPLATE]
            own = [prose.sentence() for _ in range(rng.randint(3, 8))]
            mixed = sentences[:2] + own[: len(own) // 2] + sentences[2:] + own[len(own) // 2 :]
            when = self.t0 + timedelta(days=280, hours=rng.randint(0, 72))
            self.add(host, f"KPU {town} Tetapkan Rekapitulasi DPB Triwulan III", mixed, when, f"template-{i}")

    def background(self, count: int) -> None:
        """Unrelated posts."""
        rng, prose = self.rng, self.prose
        for i in range(count):
            host = rng.choice(self.provinces + self.regional)
            title = prose.title()
            sentences = [prose.sentence() for _ in range(rng.randint(5, 20))]
            self.add(host, title, sentences, self.t0 + timedelta(hours=rng.randint(0, 24 * 300)), f"background-{i}")
