"""Where an IP address is, offline, for impossible travel.

The database is ip2region's xdb (Apache-2.0): country, province and city for every IPv4
range, Chinese addresses to the city. ``py-ip2region`` (ip2region's own Python binding) reads
it; the file itself comes with the ``XdbSearchIP`` package, which ships ip2region's data (the
June 2022 release) and nothing Shoplet runs. ``SHOPLET_RISK_IP_REGION_DB`` points at another
xdb file (a newer release from ip2region, an IPv6 one), or ``off``.

Only the header and the vector index (512 KiB) are held in memory; a look-up reads two small
blocks of the file (the page cache keeps it warm), and recent answers are cached per address.
Private, loopback and reserved addresses, and addresses the database does not know, have no
place: they never count as travel.

**Impossible travel** compares an account's last sighting with this one: two Chinese provinces
are as far apart as their capitals; the account travelled impossibly when that distance is at
least ``TRAVEL_MIN_KM`` and it would have needed more than ``TRAVEL_KMH`` (faster than an
airliner) to cover it. Province-level places are no finer than that: neighbouring provinces
(Beijing and Langfang in Hebei) never count, and mobile networks that route a province through
its capital do not either. Another country than the last one within ``TRAVEL_WINDOW`` counts
(no distances are kept for countries).
"""

from __future__ import annotations

import functools
import ipaddress
import math
import threading
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ip2region.searcher import Searcher

HOUR = 3600
TRAVEL_KMH = 1000.0
TRAVEL_MIN_KM = 500.0
TRAVEL_WINDOW = 2 * HOUR

# GB/T 2260 province code -> (short name as ip2region writes it, capital's latitude, longitude).
PROVINCES: dict[str, tuple[str, float, float]] = {
    "11": ("北京", 39.904, 116.407),
    "12": ("天津", 39.125, 117.190),
    "13": ("河北", 38.042, 114.514),
    "14": ("山西", 37.870, 112.549),
    "15": ("内蒙古", 40.842, 111.749),
    "21": ("辽宁", 41.805, 123.431),
    "22": ("吉林", 43.817, 125.324),
    "23": ("黑龙江", 45.803, 126.535),
    "31": ("上海", 31.230, 121.474),
    "32": ("江苏", 32.060, 118.797),
    "33": ("浙江", 30.274, 120.155),
    "34": ("安徽", 31.821, 117.227),
    "35": ("福建", 26.074, 119.297),
    "36": ("江西", 28.682, 115.858),
    "37": ("山东", 36.651, 117.120),
    "41": ("河南", 34.747, 113.625),
    "42": ("湖北", 30.593, 114.305),
    "43": ("湖南", 28.228, 112.939),
    "44": ("广东", 23.129, 113.264),
    "45": ("广西", 22.817, 108.366),
    "46": ("海南", 20.044, 110.199),
    "50": ("重庆", 29.563, 106.551),
    "51": ("四川", 30.572, 104.066),
    "52": ("贵州", 26.647, 106.630),
    "53": ("云南", 25.038, 102.718),
    "54": ("西藏", 29.650, 91.140),
    "61": ("陕西", 34.341, 108.940),
    "62": ("甘肃", 36.061, 103.834),
    "63": ("青海", 36.617, 101.778),
    "64": ("宁夏", 38.487, 106.231),
    "65": ("新疆", 43.825, 87.617),
    "71": ("台湾", 25.033, 121.565),
    "81": ("香港", 22.320, 114.170),
    "82": ("澳门", 22.199, 113.544),
}
_BY_NAME = {name: code for code, (name, _, _) in PROVINCES.items()}
# Longest first: 广西壮族自治区 → 广西, 上海市 → 上海.
_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")


@dataclass(frozen=True, slots=True)
class Place:
    country: str
    province: str  # GB/T 2260 code of a Chinese province, "" elsewhere
    city: str

    @property
    def key(self) -> str:
        """What a sighting stores: the province code, else ``c:<country>``."""
        return self.province or f"c:{self.country}"


def province_code(name: str) -> str:
    """ip2region's province name (``江苏省``, ``上海``, ``广西``) → its GB/T 2260 code, or ""."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return _BY_NAME.get(name, "")


def parse_region(text: str) -> Place | None:
    """An xdb answer (``国家|区域|省份|城市|ISP``, ``0`` for unknown) → a place, or None."""
    parts = [p if p != "0" else "" for p in text.split("|")]
    if len(parts) < 4 or not parts[0]:
        return None
    country, province, city = parts[0], parts[2], parts[3]
    code = province_code(province) if country in {"中国", "台湾", "香港", "澳门"} else ""
    if not code and country in {"台湾", "香港", "澳门"}:
        code = province_code(country)
    return Place(country="中国" if code else country, province=code, city=city)


def _province(key: str) -> str:
    """A GB/T 2260 code of any level (``440300``) → its province (``44``)."""
    return key[:2] if key.isdigit() else key


def distance_km(a: str, b: str) -> float | None:
    """Great-circle distance between two provinces' capitals (GB/T 2260 codes of any level),
    or None if either is unknown."""
    pa, pb = PROVINCES.get(_province(a)), PROVINCES.get(_province(b))
    if pa is None or pb is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (pa[1], pa[2], pb[1], pb[2]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def travel(previous: str, key: str, seconds: float) -> tuple[bool, float]:
    """(impossible, implied km/h) from the last sighting's key to this one ``seconds`` later."""
    if not previous or not key or _province(previous) == _province(key):
        return False, 0.0
    hours = max(seconds, 60.0) / HOUR  # a minute at least: clocks and batching
    km = distance_km(previous, key)
    if km is None:  # a country on one side: no distance, the window decides
        return seconds < TRAVEL_WINDOW, 0.0
    speed = km / hours
    return km >= TRAVEL_MIN_KM and speed > TRAVEL_KMH, round(speed, 1)


def bundled_database() -> Path | None:
    """The xdb file that ships with ``XdbSearchIP``, if installed."""
    spec = find_spec("XdbSearchIP")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / "data" / "ip2region.xdb"
        if candidate.is_file():
            return candidate
    return None


class IpLocator:
    """Look-ups in one xdb file; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        from ip2region import util
        from ip2region.searcher import Searcher

        # The header (256 bytes) and the vector index (512 KiB) at least; then the binding's
        # own check that it can read this structure version.
        if path.stat().st_size <= util.HeaderInfoLength + util.VectorIndexLength:
            raise ValueError(f"{path}: too short for an ip2region xdb file")
        try:
            util.verify_from_file(str(path))
            version = util.version_from_header(util.load_header_from_file(str(path)))
        except Exception as exc:  # the binding raises bare Exceptions
            raise ValueError(f"{path}: {exc}") from exc
        if version is None:
            raise ValueError(f"{path}: not an ip2region xdb file")
        self.version = version
        self._searcher: Searcher = Searcher(
            version, str(path), util.load_vector_index_from_file(str(path)), None
        )
        self._lock = threading.Lock()
        self.locate = functools.lru_cache(maxsize=65_536)(self._locate)

    def _locate(self, ip: str) -> Place | None:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return None
        if not address.is_global or len(address.packed) != self.version.byte_num:
            return None
        with self._lock:
            text = self._searcher.search(address.packed)
        return parse_region(text)

    def close(self) -> None:
        self._searcher.close()
