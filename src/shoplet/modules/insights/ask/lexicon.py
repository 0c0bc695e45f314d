"""The words a question may use for values: region groups, provinces and cities (from the
GB/T 2260 tree members publishes), the shop's categories and member tiers (read per question,
since merchants rename them), and order channels. Pure data once built."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Final

from shoplet.modules.members import public as members

from .semantic import CHANNELS, REGION_GROUPS, DimensionKey

_PROVINCE_SUFFIXES: Final = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "特别行政区",
    "省",
    "市",
)
_CITY_SUFFIXES: Final = ("市", "地区", "盟")


def _short(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True, slots=True)
class Value:
    """A value a word names: the dimension it filters, the key to filter by, its label."""

    dimension: DimensionKey
    key: str
    label: str


@dataclass(frozen=True, slots=True)
class Regions:
    words: dict[str, Value]
    province_names: dict[str, str]  # "44" -> 广东省
    city_names: dict[str, str]  # "440300" -> 深圳市


@cache
def regions() -> Regions:
    """Region words, built once per process from the region tree: 华东/华东地区, 广东/广东省,
    深圳/深圳市 (a city named like its province is the province: 北京)."""
    tree = members.region_tree()
    words: dict[str, Value] = {}
    for group in REGION_GROUPS:
        value = Value("region_group", group, group)
        for word in (group, f"{group}地区", f"{group}区"):
            words[word] = value
    provinces: dict[str, str] = {}
    cities: dict[str, str] = {}
    for province in tree.provinces:
        provinces[province.code[:2]] = province.name
        for city_code in province.children:
            city = tree.by_level[1][city_code]
            cities[city.code] = city.name
            for word in {city.name, _short(city.name, _CITY_SUFFIXES)}:
                words.setdefault(word, Value("city", city.code, city.name))
    for province in tree.provinces:
        value = Value("province", province.code[:2], province.name)
        for word in {province.name, _short(province.name, _PROVINCE_SUFFIXES)}:
            words[word] = value  # a province wins over a city of the same name
    return Regions(words, provinces, cities)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Every value word a question may use, with what it names."""

    values: dict[str, Value] = field(default_factory=dict)
    category_names: dict[str, str] = field(default_factory=dict)  # id -> name
    category_subtree: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tier_names: dict[str, str] = field(default_factory=dict)  # level -> name


def build(
    categories: list[tuple[str, str, str | None]], tiers: list[tuple[int, str, str]]
) -> Lexicon:
    """The lexicon of a shop: ``categories`` as (id, name, parent id), ``tiers`` as (level,
    code, name). A category filter covers its sub-categories."""
    values = dict(regions().words)
    for source, words in CHANNELS.items():
        for word in words:
            values[word] = Value("channel", source, words[0])
    names = {cid: name for cid, name, _ in categories}
    children: dict[str, list[str]] = {}
    for cid, _, parent in categories:
        if parent is not None:
            children.setdefault(parent, []).append(cid)

    def subtree(cid: str) -> tuple[str, ...]:
        out, todo = [cid], list(children.get(cid, ()))
        while todo:
            c = todo.pop()
            out.append(c)
            todo.extend(children.get(c, ()))
        return tuple(sorted(out, key=int))

    for cid, name, _ in sorted(categories, key=lambda c: int(c[0])):
        values.setdefault(name, Value("category", cid, name))
    tier_names = {}
    for level, code, name in tiers:
        tier_names[str(level)] = name
        for word in (code, name):
            values.setdefault(word, Value("tier", str(level), name))
    return Lexicon(values, names, {cid: subtree(cid) for cid in names}, tier_names)
