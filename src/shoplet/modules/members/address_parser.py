"""Smart paste: split a pasted address text into recipient, phone, region and detail.

Shoppers paste what a chat or another shop gave them: ``张三 13800138000 云南省昆明市五华区翠湖
南路1号``, labelled forms (``收货人：… 手机号码：… 所在地区：… 详细地址：…``), parts in any
order, separated by commas, spaces or line breaks, phones as ``+86 138-0013-8000``, short names
(``云南昆明五华``), no province (``昆明市五华区…``).

The region is matched against our own tree (:mod:`shoplet.modules.members.regions`), so a parsed
``region_code`` is always one the address form accepts. The PyPI parsers (cpca, addressparser)
are unmaintained, pull pandas and carry 2020 division data that disagrees with the tree.

Matching is a longest match over every region's full name and its short form (suffixes 省/市/
自治区/自治州/地区/盟/区/县/旗 and ethnic names stripped: 大理白族自治州 → 大理, 新疆维吾尔自治区 →
新疆), province → city → district, each level optional but in that order, separators allowed
in between. A district is searched only below the matched city (so 长春市朝阳区 and 北京市朝阳区
differ), or below the province, or across the whole country by its full name when it is unique
there. Short forms are accepted only at the start of a part or right after a matched level, and
never just before 路/街/道/巷/号/区/县/市/… (``中山路`` is a road, not 中山市); a short name
alone, with no other level, is not taken (``北京中路`` is a road in 拉萨). Among all candidates the
match with a district, then with the most levels, then the longest, then the earliest wins.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Final

from shoplet.modules.members.regions import Leaf, Region, RegionTree, tree

# Ethnic groups as they appear in autonomous-area names (longest first so 土家 beats 土).
_ETHNIC: Final = sorted(
    [
        "蒙古",
        "回",
        "藏",
        "维吾尔",
        "苗",
        "彝",
        "壮",
        "布依",
        "朝鲜",
        "满",
        "侗",
        "瑶",
        "白",
        "土家",
        "哈尼",
        "哈萨克",
        "傣",
        "黎",
        "傈僳",
        "佤",
        "畲",
        "高山",
        "拉祜",
        "水",
        "东乡",
        "纳西",
        "景颇",
        "柯尔克孜",
        "土",
        "达斡尔",
        "仫佬",
        "羌",
        "布朗",
        "撒拉",
        "毛南",
        "仡佬",
        "锡伯",
        "阿昌",
        "普米",
        "塔吉克",
        "怒",
        "乌孜别克",
        "俄罗斯",
        "鄂温克",
        "德昂",
        "保安",
        "裕固",
        "京",
        "塔塔尔",
        "独龙",
        "鄂伦春",
        "赫哲",
        "门巴",
        "珞巴",
        "基诺",
        "各",
    ],
    key=len,
    reverse=True,
)
_SUFFIXES: Final = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "林区",
    "地区",
    "省",
    "市",
    "盟",
    "区",
    "县",
    "旗",
)
# A short name followed by one of these is part of a street or place name, not a region.
_NOT_AFTER_SHORT: Final = frozenset("路街道巷弄里号村镇乡桥湖山门园庄楼站口区县市")
_SEPARATORS: Final = re.compile(r"[\s,，;；、|/\\。]+")
_PHONE: Final = re.compile(r"(?<![\d])(?:(?:\+|00)?86[\s-]*)?(1[3-9](?:[\s-]?\d){9})(?![\d])")
_LABEL: Final = re.compile(
    r"(收货人|收件人|联系人|姓名|名字|手机号码|手机号|手机|联系电话|电话号码|电话|联系方式|"
    r"所在地区|所在地|省市区|地区|收货地址|详细地址|地址)\s*[:：]"
)
_NAME_LABELS: Final = frozenset({"收货人", "收件人", "联系人", "姓名", "名字"})
_PHONE_LABELS: Final = frozenset(
    {"手机号码", "手机号", "手机", "联系电话", "电话号码", "电话", "联系方式"}
)
_NAME: Final = re.compile(r"^[\u4e00-\u9fff·•]{2,6}$|^[A-Za-z][A-Za-z .'-]{1,30}$")
_PLACE_WORDS: Final = frozenset("路街道巷弄号楼室村镇乡栋单元层座区县市省院苑园城门店厦场")
MAX_TEXT: Final = 500


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    recipient: str | None
    phone: str | None
    province: str | None
    city: str | None
    district: str | None
    region_code: str | None
    detail: str | None


def short_name(name: str) -> str | None:
    """The everyday short form of a region name (昆明市 → 昆明), or None when it would be shorter
    than two characters or equal to the name."""
    short = name
    for suffix in _SUFFIXES:
        if short.endswith(suffix) and len(short) - len(suffix) >= 2:
            short = short[: -len(suffix)]
            break
    stripped = True
    while stripped:
        stripped = False
        for people in _ETHNIC:
            for ending in (people + "族", people):
                if short.endswith(ending) and len(short) - len(ending) >= 2:
                    short = short[: -len(ending)]
                    stripped = True
                    break
            if stripped:
                break
    return short if short != name and len(short) >= 2 else None


@dataclass(frozen=True, slots=True)
class _Index:
    """Names (full and short) → region codes, per level; ``full`` marks full names."""

    names: tuple[dict[str, list[tuple[str, bool]]], ...]
    longest: int


@cache
def _index() -> _Index:
    regions = tree()
    names: tuple[dict[str, list[tuple[str, bool]]], ...] = ({}, {}, {})
    longest = 0
    for level in range(3):
        for region in regions.by_level[level].values():
            names[level].setdefault(region.name, []).append((region.code, True))
            longest = max(longest, len(region.name))
            short = short_name(region.name)
            if short is not None:
                names[level].setdefault(short, []).append((region.code, False))
    return _Index(names, longest)


@dataclass(frozen=True, slots=True)
class _Match:
    start: int
    end: int
    province: Region | None
    city: Region | None
    district: Region | None
    levels: int  # names matched in the text (a province filled in from its city is not one)
    last: Region  # the last name matched

    def score(self) -> tuple[int, int, int, int]:
        return (self.district is not None, self.levels, self.end - self.start, -self.start)


def _names_at(text: str, pos: int, level: int, *, short_ok: bool) -> list[tuple[int, list[str]]]:
    """Names of ``level`` that ``text`` has at ``pos``: (end, codes), longest first."""
    index = _index()
    found: list[tuple[int, list[str]]] = []
    for length in range(min(index.longest, len(text) - pos), 1, -1):
        entries = index.names[level].get(text[pos : pos + length])
        if not entries:
            continue
        end = pos + length
        codes = [
            code
            for code, full in entries
            if full or (short_ok and (end >= len(text) or text[end] not in _NOT_AFTER_SHORT))
        ]
        if codes:
            found.append((end, codes))
    return found


def _skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] == " ":
        pos += 1
    return pos


def _matches_from(text: str, start: int, regions: RegionTree) -> list[_Match]:
    """Every chain province? city? district? starting at ``start``."""
    at_token_start = start == 0 or text[start - 1] == " "
    results: list[_Match] = []

    def districts(pos: int, province: Region | None, city: Region | None, levels: int) -> None:
        first = levels == 0
        pos = _skip_spaces(text, pos)
        for end, codes in _names_at(text, pos, 2, short_ok=not first or at_token_start):
            for code in codes:
                district = regions.district(code)
                if district is None or district.parent is None:
                    continue
                owner = regions.city(district.parent)
                if owner is None or (city is not None and owner.code != city.code):
                    continue
                if province is not None and owner.parent != province.code:
                    continue
                if city is None and province is None and len(codes) > 1:
                    continue  # an ambiguous district name alone says nothing
                results.append(_Match(start, end, province, city, district, levels + 1, district))

    def cities(pos: int, province: Region | None, levels: int) -> None:
        first = levels == 0
        pos = _skip_spaces(text, pos)
        for end, codes in _names_at(text, pos, 1, short_ok=not first or at_token_start):
            for code in codes:
                city = regions.city(code)
                if city is None or (province is not None and city.parent != province.code):
                    continue
                owner = regions.province(city.parent or "")
                results.append(_Match(start, end, province or owner, city, None, levels + 1, city))
                districts(end, province or owner, city, levels + 1)

    for end, codes in _names_at(text, start, 0, short_ok=at_token_start):
        for code in codes:
            province = regions.province(code)
            if province is None:
                continue
            results.append(_Match(start, end, province, None, None, 1, province))
            cities(end, province, 1)
            districts(end, province, None, 1)
    cities(start, None, 0)
    districts(start, None, None, 0)
    return results


def _best_match(text: str) -> _Match | None:
    regions = tree()
    best: _Match | None = None
    for start in range(len(text)):
        if text[start] == " ":
            continue
        for match in _matches_from(text, start, regions):
            if match.levels == 1 and text[match.start : match.end] != match.last.name:
                continue  # a short name alone (北京中路) is too weak
            if best is None or match.score() > best.score():
                best = match
    return best


def _complete(match: _Match) -> tuple[Region | None, Region | None, Leaf | None]:
    """Province, city and leaf of a match, filling a city's only district and the parents of
    a district."""
    regions = tree()
    if match.district is not None:
        leaf = regions.leaf(match.district.code)
        if leaf is not None:
            return leaf.province, leaf.city, leaf
    city = match.city
    if city is None and match.province is not None and len(match.province.children) == 1:
        city = regions.city(match.province.children[0])  # a municipality's one city
    if city is not None and len(city.children) == 1:
        leaf = regions.leaf(city.children[0])
        if leaf is not None:
            return leaf.province, leaf.city, leaf
    return match.province, city, None


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]", "", text)


def _join(parts: list[str]) -> str:
    """Join detail parts: no space between Chinese parts, one between Latin letters/digits."""
    out = ""
    for part in parts:
        if out and out[-1].isascii() and out[-1].isalnum() and part[0].isascii():
            out += " "
        out += part
    return out


def _is_name(token: str) -> bool:
    return bool(_NAME.match(token)) and not (set(token) & _PLACE_WORDS)


def parse(text: str) -> ParsedAddress:
    """Split pasted address text into its parts; a part not found is None."""
    text = _normalise(text[:MAX_TEXT])
    recipient: str | None = None
    phone: str | None = None

    # Labelled forms: take the recipient's and the phone's values, keep the rest as free text.
    free: list[str] = []
    pieces = _LABEL.split(text)
    free.append(pieces[0])
    for label, raw in zip(pieces[1::2], pieces[2::2], strict=True):
        value = raw.strip()
        if label in _NAME_LABELS and recipient is None:
            tokens = _SEPARATORS.split(value)
            recipient = tokens[0] or None
            free.append(" ".join(tokens[1:]))
        else:
            free.append(value)
    text = " ".join(free)

    found = _PHONE.search(text)
    if found is not None:
        phone = re.sub(r"\D", "", found.group(1))
        text = text[: found.start()] + " " + text[found.end() :]
    for label in _PHONE_LABELS:  # a phone label left without its number
        text = text.replace(label, " ")

    text = " ".join(t for t in _SEPARATORS.split(text) if t)
    match = _best_match(text)
    if match is None:
        before, after = [], text.split()
        province = city = None
        leaf = None
    else:
        before, after = text[: match.start].split(), text[match.end :].split()
        province, city, leaf = _complete(match)

    if recipient is None:
        # A name before the address, else the last name-like part after it.
        name = next((t for t in before if _is_name(t)), None)
        if name is not None:
            before.remove(name)
        else:
            name = next((t for t in reversed(after) if _is_name(t)), None)
            if name is not None:
                del after[len(after) - 1 - after[::-1].index(name)]
        recipient = name
    # The detail follows the region; when nothing does, it was written before it.
    detail = _join(after) if match is not None and after else _join(before + after)
    return ParsedAddress(
        recipient=recipient,
        phone=phone,
        province=province.name if province is not None else None,
        city=city.name if city is not None else None,
        district=leaf.district.name if leaf is not None else None,
        region_code=leaf.code if leaf is not None else None,
        detail=detail or None,
    )


__all__ = ["MAX_TEXT", "ParsedAddress", "parse", "short_name"]
