"""低收入人口 benchmark on the 130,000-household demo county (bench/common.setup_county).

    .venv/bin/python bench/bench_lowincome.py --engine sqlite

Times the import of a 民政 list of 30,000 people (27,000 on the register, 3,000 not, each with a
village) through core.pipeline, the per-village comparison page of the county, and the export
of the county's 防止返贫致贫对象 (targets: import under 30 s, page and export under 2 s).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT, peak_rss_mb, run_per_engine, setup_county, timed

KINDS = ("低保", "特困", "低保边缘", "刚性支出困难", "其他困难人员")


def run(engine: str) -> dict[str, Any]:
    setup_county(engine)
    from django.test import Client

    from accounts.models import User
    from core import pipeline
    from core.idnumber import make_valid
    from fangpin.testing import write_sheet
    from regions.models import Region
    from registry.models import Person

    admin = User.objects.get(username="county_admin")
    people = list(
        Person.objects.filter(is_member=True)
        .order_by("pk")
        .values_list("id_number", "name")[: 27_000 * 13 : 13]
    )
    villages = list(
        Region.objects.filter(level=Region.Level.VILLAGE, retired=False)
        .select_related("parent")
        .order_by("pk")
    )
    rows = [
        {"证件号码": n, "姓名": name, "人员类别": KINDS[i % len(KINDS)], "家庭人口数": 3,
         "家庭年纯收入": 15000, "刚性支出": 2000}
        for i, (n, name) in enumerate(people)
    ]  # fmt: skip
    for i in range(3_000):
        v = villages[i % len(villages)]
        rows.append(
            {
                "证件号码": make_valid(
                    f"429001{dt.date(1950, 1, 1) + dt.timedelta(days=i):%Y%m%d}777"
                ),
                "姓名": f"外来{i}",
                "乡镇": v.parent.name if v.parent else "",
                "行政村": v.name,
                "人员类别": "低保",
            }
        )
    headers = [
        "证件号码",
        "姓名",
        "乡镇",
        "行政村",
        "人员类别",
        "家庭人口数",
        "家庭年纯收入",
        "刚性支出",
    ]
    path = write_sheet(OUT / "lowincome-30000.xlsx", headers, rows)
    started = time.perf_counter()
    result = pipeline.run("lowincome", path, actor=admin)
    seconds = time.perf_counter() - started
    assert result["status"] == "imported", result["errors"][:3]
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    page = timed(partial(client.get, "/lowincome/"), repeat=5, warmup=1)
    export = timed(partial(client.get, "/lowincome/export.xlsx"), repeat=3, warmup=1)
    return {
        "engine": engine,
        "rows": len(rows),
        "import_s": round(seconds, 1),
        "import_ok": seconds < 30,
        "both": result["both"],
        "not_on_register": result["not_on_register"],
        "page": {**page, "ok": page["median_ms"] < 2000},
        "export": {**export, "ok": export["median_ms"] < 2000},
        "peak_rss_mb": peak_rss_mb(),
    }


if __name__ == "__main__":
    sys.exit(run_per_engine(__file__, run))
