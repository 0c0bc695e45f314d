"""MovieLens 100k as an interactions CSV: ``python -m bench.reco_data [FOLDER]`` (``make
reco-data`` runs it after downloading the wheel).

The wheel of RecBole 1.2.1 (PyPI, MIT) ships the data set at
``recbole/dataset_example/ml-100k/ml-100k.inter`` (tab-separated ``user_id:token
item_id:token rating:float timestamp:float``, 100,000 ratings by 943 users). It is read straight
out of the wheel (no install, no torch) and every rating becomes an implicit interaction
``user_id,item_id,timestamp``. MovieLens belongs to GroupLens (University of Minnesota), for
research use: Shoplet does not redistribute it, it is fetched from PyPI at make time only.
"""

from __future__ import annotations

import csv
import sys
import zipfile
from pathlib import Path

WHEEL = "recbole-1.2.1-py3-none-any.whl"
MEMBER = "recbole/dataset_example/ml-100k/ml-100k.inter"
OUTPUT = "ml-100k.csv"


def convert(wheel: Path, output: Path) -> int:
    """Write ``output`` from the wheel's ``ml-100k.inter``; the number of interactions."""
    count = 0
    with zipfile.ZipFile(wheel) as archive, archive.open(MEMBER) as raw:
        lines = (line.decode("utf-8") for line in raw)
        header = next(lines).rstrip("\n").split("\t")
        user, item, stamp = (
            header.index(name) for name in ("user_id:token", "item_id:token", "timestamp:float")
        )
        partial = output.with_suffix(".partial")
        with partial.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(("user_id", "item_id", "timestamp"))
            for line in lines:
                fields = line.rstrip("\n").split("\t")
                if len(fields) == len(header):
                    writer.writerow((fields[user], fields[item], int(float(fields[stamp]))))
                    count += 1
        partial.replace(output)
    return count


def main(argv: list[str]) -> None:
    folder = Path(argv[0]) if argv else Path("var/reco-data")
    count = convert(folder / WHEEL, folder / OUTPUT)
    print(f"{folder / OUTPUT}: {count:,} interactions")


if __name__ == "__main__":
    main(sys.argv[1:])
