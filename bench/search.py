"""Search over a 100k-product catalog: ``python -m bench.search [N]``.

In process, no server and no database: ``N`` products (default 100,000) are generated from
seeded Chinese brands, product nouns, adjectives and specs and handed straight to the embedded
engine (``MemoryEngine.upsert``, the same call the runtime makes after reading the catalog —
the fast path: the database read is left out, it is measured by the catalog benches). Then
each query form (hanzi, full pinyin, pinyin with spaces, initials, mixed, partial word,
homophone typo, one-edit typo, filtered, a broad word with facets) runs ``ROUNDS`` times after a
warm-up; p50/p99 per form, the build time and the process RSS go to their section of
docs/benchmarks.md. Target: lexical p99 <= 20 ms.

Context ranking (``search/context.py``): seeded priors of the size a training keeps (200
products of lift above 1 for each of 34 provinces, 4 seasons and 5 hour buckets), the boost
table of one bucket built once (as each process does per bucket), then every form run again
with it, interleaved with the plain run: the CPU the boost adds per query.
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.sections import replace_section
from shoplet.modules.search.context import boost_of
from shoplet.modules.search.engine import Boost, Doc, Filters, MemoryEngine
from shoplet.modules.search.text import Segmenter

BEGIN = "<!-- search:begin -->"
END = "<!-- search:end -->"
REPORT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
TARGET_P99_MS = 20.0
ROUNDS = 200

BRANDS = [
    "美的",
    "苏泊尔",
    "小米",
    "海尔",
    "格力",
    "九阳",
    "飞利浦",
    "雅诗兰黛",
    "兰蔻",
    "欧莱雅",
    "蓝月亮",
    "立白",
    "牧高笛",
    "探路者",
    "飞鹤",
    "伊利",
    "波司登",
    "李宁",
    "安踏",
    "华为",
    "苹果",
    "贝亲",
    "德庄",
    "三只松鼠",
    "良品铺子",
    "百草味",
    "公牛",
    "得力",
    "晨光",
    "罗技",
]
NOUNS = [
    "电饭煲",
    "电饭锅",
    "电热水壶",
    "洗衣机",
    "洗衣液",
    "口红",
    "口罩",
    "帐篷",
    "睡袋",
    "奶粉",
    "奶瓶",
    "羽绒服",
    "运动鞋",
    "手机",
    "手机壳",
    "耳机",
    "充电宝",
    "火锅底料",
    "坚果",
    "牛肉干",
    "插座",
    "笔记本",
    "签字笔",
    "鼠标",
    "键盘",
    "空气炸锅",
    "电风扇",
    "保温杯",
    "面膜",
    "洗发水",
    "牙膏",
    "毛巾",
    "拖鞋",
    "背包",
    "行李箱",
    "台灯",
    "被子",
    "枕头",
    "床单",
    "茶叶",
    "绿茶",
    "咖啡",
    "饼干",
    "巧克力",
    "酸奶",
    "榨汁机",
    "豆浆机",
]
ADJECTIVES = [
    "家用",
    "迷你",
    "大容量",
    "智能",
    "便携",
    "户外",
    "加厚",
    "防水",
    "静音",
    "新款",
    "正品",
    "官方",
    "旗舰",
    "轻薄",
    "多功能",
    "进口",
    "儿童",
    "女士",
    "男士",
    "冬季",
]
SPECS = [
    "3L",
    "4L",
    "5L",
    "10公斤",
    "2kg",
    "500ml",
    "1.5L",
    "50只",
    "3段",
    "128GB",
    "XL",
    "套装",
    "礼盒装",
    "12寸",
    "双人",
    "单人",
]
CATEGORIES = 60

QUERIES: list[tuple[str, str, dict[str, Any]]] = [
    ("hanzi", "电饭煲", {}),
    ("hanzi, two words", "美的 电饭煲", {}),
    ("full pinyin", "xiyiji", {}),
    ("pinyin with spaces", "kou hong", {}),
    ("initials", "dfb", {}),
    ("mixed", "露营zhangpeng", {}),
    ("partial word", "饭煲", {}),
    ("homophone typo", "电饭包", {}),
    ("one-edit typo", "xiyiij", {}),
    ("pinyin prefix", "dianfanb", {}),
    (
        "filtered (brand, price, stock)",
        "电饭煲",
        {"brand": "美的", "price_max": 50_000, "in_stock": True},
    ),
    ("broad word + facets", "家用", {"facets": True}),
    ("suggest (pinyin prefix)", "pingg", {"suggest": True}),
]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def generate(n: int, seed: int = 7) -> list[Doc]:
    rng = random.Random(seed)
    docs: list[Doc] = []
    for i in range(1, n + 1):
        brand, noun = rng.choice(BRANDS), rng.choice(NOUNS)
        adjectives = rng.sample(ADJECTIVES, 2)
        title = f"{brand}{adjectives[0]}{noun} {adjectives[1]} {rng.choice(SPECS)}"
        if noun == "帐篷":
            title = f"{brand}露营帐篷 {adjectives[1]}"
        price = rng.randint(990, 300_000)
        category = rng.randint(1, CATEGORIES)
        docs.append(
            Doc(
                id=i,
                title=title,
                subtitle="",
                image=f"/media/products/{i:020x}.jpg",
                image_set=None,
                price=price,
                original_price=price,
                sales_count=rng.randint(0, 5000),
                category_id=category,
                category_ids=(category, 1000 + category % 10),
                brand=brand,
                in_stock=rng.random() > 0.1,
                flash=rng.random() < 0.02,
                created=i,
                texts=(title, "", brand, f"类目{category % 10}", noun),
            )
        )
    return docs


PROVINCES = [f"{code}0000" for code in (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36,
    37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82)]  # fmt: skip
CONTEXT_PER_KEY = 200
CONTEXT_WEIGHT = 0.3


def context_priors(n: int, seed: int = 11) -> dict[str, dict[int, float]]:
    """Lifts shaped like a training's: ``CONTEXT_PER_KEY`` products per context key."""
    rng = random.Random(seed)
    keys = [f"r{p}" for p in PROVINCES] + [f"s{i}" for i in range(4)] + [f"h{i}" for i in range(5)]
    return {
        key: {rng.randint(1, n): 1.0 + rng.random() * 4 for _ in range(CONTEXT_PER_KEY)}
        for key in keys
    }


def measure(n: int) -> dict[str, Any]:
    rss_before = _rss_mb()
    segmenter = Segmenter()
    started = time.perf_counter()
    segmenter.load([*BRANDS, *NOUNS])
    jieba_s = time.perf_counter() - started
    docs = generate(n)
    engine = MemoryEngine(segmenter)
    started = time.perf_counter()
    for i in range(0, len(docs), 2000):
        engine.upsert(docs[i : i + 2000])
    build_s = time.perf_counter() - started
    gc.collect()
    rss_after = _rss_mb()
    lifts = context_priors(n)
    started = time.process_time()
    boost = boost_of(lifts, ["r440000", "s3", "h4"], CONTEXT_WEIGHT)
    boost_ms = (time.process_time() - started) * 1000
    rows = []
    for name, query, options in QUERIES:
        opts = dict(options)
        suggest = opts.pop("suggest", False)
        facets = opts.pop("facets", False)
        filters = Filters(**opts)

        def run(
            q: str = query,
            f: Filters = filters,
            s: bool = suggest,
            fa: bool = facets,
            b: Boost | None = None,
        ) -> int:
            if s:
                return len(engine.suggest(q, 10))
            result = engine.search(
                q, filters=f, sort="relevance", after=None, limit=20, facets=fa, boost=b
            )
            return result.total

        total = run()
        for _ in range(10):
            run()
            run(b=boost)
        times, cpu, boosted = [], [], []
        for _ in range(ROUNDS):
            t, c = time.perf_counter(), time.process_time()
            run()
            cpu.append((time.process_time() - c) * 1000)
            times.append((time.perf_counter() - t) * 1000)
            c = time.process_time()
            run(b=boost)
            boosted.append((time.process_time() - c) * 1000)
        times.sort()
        cpu.sort()
        boosted.sort()
        rows.append(
            {
                "form": name,
                "query": query,
                "matches": total,
                "p50": statistics.median(times),
                "p99": times[int(len(times) * 0.99) - 1],
                "cpu50": statistics.median(cpu),
                "cpu99": cpu[int(len(cpu) * 0.99) - 1],
                "ctx50": statistics.median(boosted),
                "ctx99": boosted[int(len(boosted) * 0.99) - 1],
                "suggest": suggest,
            }
        )
    return {
        "load": Path("/proc/loadavg").read_text().split()[:3],
        "n": n,
        "jieba_s": jieba_s,
        "build_s": build_s,
        "rss_mb": rss_after,
        "index_mb": rss_after - rss_before,
        "words": len(engine.words),
        "grams": len(engine.grams),
        "rows": rows,
        "boost_ms": boost_ms,
        "boost_products": len(boost),
    }


def render(result: dict[str, Any], add: Any) -> None:
    worst = max(r["p99"] for r in result["rows"])
    add(BEGIN)
    add("## Search (embedded engine, 100k products)")
    add("")
    add("```sh")
    add("python -m bench.search    # in process, no server, no database; 100,000 products")
    add("```")
    add("")
    add(
        f"{result['n']:,} generated products indexed straight into `MemoryEngine` (the database "
        f"read is left out). jieba load {result['jieba_s']:.1f} s, indexing "
        f"{result['build_s']:.1f} s ({result['words']:,} words, {result['grams']:,} bigrams and "
        f"characters), process RSS {result['rss_mb']:.0f} MB ({result['index_mb']:.0f} MB for "
        f"jieba + index). {ROUNDS} runs per form after a warm-up, first page of 20, relevance."
    )
    add("")
    add(
        f"Load average at the end {' '.join(result['load'])} on 2 CPUs: wall-clock figures are "
        "mostly time spent waiting for a CPU; the CPU-time columns (`time.process_time`) are "
        "what a query costs on a core of its own."
    )
    add("")
    add("| form | query | matches | p50 ms | p99 ms | CPU p50 ms | CPU p99 ms |")
    add("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in result["rows"]:
        add(
            f"| {r['form']} | `{r['query']}` | {r['matches']:,} | {r['p50']:.2f} | "
            f"{r['p99']:.2f} | {r['cpu50']:.2f} | {r['cpu99']:.2f} |"
        )
    add("")
    worst_cpu = max(r["cpu99"] for r in result["rows"])
    status = "met" if worst <= TARGET_P99_MS else "**missed**"
    cpu_status = "met" if worst_cpu <= TARGET_P99_MS else "**missed**"
    add(
        f"Target p99 <= {TARGET_P99_MS:.0f} ms: wall clock worst {worst:.2f} ms ({status}); "
        f"CPU time worst {worst_cpu:.2f} ms ({cpu_status})."
    )
    add("")
    add("### Context in relevance (province, season, hour)")
    add("")
    searched = [r for r in result["rows"] if not r.get("suggest")]
    extra50 = statistics.median(r["ctx50"] - r["cpu50"] for r in searched)
    worst_ctx = max(r["ctx99"] for r in searched)
    add(
        f"Seeded priors of a training's size ({CONTEXT_PER_KEY} products per key, 34 provinces, "
        f"4 seasons, 5 hour buckets); the boost table of one bucket ({result['boost_products']} "
        f"products) is built once per bucket and priors in {result['boost_ms']:.2f} ms CPU. Each "
        "form then ran with and without it, interleaved, weight "
        f"{CONTEXT_WEIGHT}. **Added CPU per query: {extra50:+.3f} ms at the median over the "
        f"forms** (a binary search of the ranked pool's ids in the table); worst CPU p99 with "
        f"context {worst_ctx:.2f} ms. Buckets: at most 35 × 4 × 5 = 700 per process."
    )
    add("")
    add("| form | CPU p50 ms | with context | CPU p99 ms | with context |")
    add("| --- | ---: | ---: | ---: | ---: |")
    for r in searched:
        add(
            f"| {r['form']} | {r['cpu50']:.2f} | {r['ctx50']:.2f} | {r['cpu99']:.2f} | "
            f"{r['ctx99']:.2f} |"
        )
    add("")
    add(END)


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else 100_000
    result = measure(n)
    replace_section(REPORT, BEGIN, END, lambda add: render(result, add))
    for r in result["rows"]:
        print(
            f"{r['form']:32} {r['matches']:>7} p50 {r['p50']:7.2f} ms  p99 {r['p99']:7.2f} ms"
            f"  cpu p50 {r['cpu50']:6.2f} p99 {r['cpu99']:6.2f}"
            f"  context p50 {r['ctx50']:6.2f} p99 {r['ctx99']:6.2f}"
        )
    print(f"build {result['build_s']:.1f} s, RSS {result['rss_mb']:.0f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
