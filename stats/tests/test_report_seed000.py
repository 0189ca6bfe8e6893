"""Seed 000's whole year, drafted: 金山店镇's register, leads, procedures and 集中排查, membership
changes, every ledger and the 医保 and 民政 batches (`stats.tests.seed000.build_year`), then
`fangpin report work-summary` as a user runs it on 2023-12-18, read back with python-docx: each
figure of the seed's sections 一 to 四 in its sentence.

Figures of 一–四 no data in the system gives, so not asserted: 2022年新识别22户73人 (the seed's
years add up to 103 persons, its total to 102: the register has 72), the dates of meetings
(5月10日部署会, 7月20日推进会), 依申请救助7人次 (the 医保 file has no such kind), 饮水安全
(两次排查, 七个村, 20个行政村167个自然村, 2个村12个自然村: no water ledger), 12次动态管理工作,
有贷款意愿的15户, 各级奖补资金87万元 and 系统同步更新371人.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

import docx
import pytest
from django.core.management import call_command
from docx.shared import Mm

from fangpin.testing import run_command
from regions.services import create_region
from stats.tests import seed000


@pytest.fixture
def data_dir(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings.DATA_DIR = tmp_path_factory.mktemp("data")
    return settings.DATA_DIR


def _draft(tmp_path: Path, region: str, *args: str) -> docx.document.Document:
    out_path = tmp_path / "汇报.docx"
    out = io.StringIO()
    with patch("core.dates.today", return_value=seed000.DRAFTED):
        call_command(
            "report",
            "work-summary",
            "--region",
            region,
            *args,
            "--out",
            str(out_path),
            stdout=out,
        )
    assert json.loads(out.getvalue().strip().splitlines()[-1])["status"] == "written"
    return docx.Document(str(out_path))


def test_seed_000s_whole_year_drafted_with_every_figure_of_sections_one_to_four_on_a4(
    db: Any, tmp_path: Path, data_dir: Path
) -> None:
    seed000.build_year(tmp_path)
    document = _draft(tmp_path, "大冶市/金山店镇", "--period", "2023")
    paragraphs = [p.text for p in document.paragraphs]
    text = "\n".join(paragraphs)

    # A4, 公文 margins and fonts (names only).
    section = document.sections[0]
    for measured, mm in (
        (section.page_width, 210),
        (section.page_height, 297),
        (section.top_margin, 37),
        (section.bottom_margin, 35),
        (section.left_margin, 28),
        (section.right_margin, 26),
    ):
        assert measured is not None and abs(measured - Mm(mm)) < Mm(0.5), (measured, mm)
    xml = document.element.xml + document.styles.element.xml
    assert "仿宋_GB2312" in xml and "方正小标宋简体" in xml and "黑体" in xml
    assert paragraphs[0] == "金山店镇2023年巩固拓展脱贫攻坚成果工作情况汇报"
    assert "请在此填写" not in text

    # 一、基本情况: every figure; the seed's 2022年新识别22户73人 cannot be, as its years add up
    # to 103 persons and its total to 102 (stats/tests/seed000.py).
    assert paragraphs[paragraphs.index("一、基本情况") + 1] == (
        "金山店镇共有22个村（其中有三个脱贫村朝阳村、仕秦村、向阳村），2个社区，16193户，46892人，"
        "现有建档立卡稳定脱贫户429户900人，监测户35户106人（2019年识别3户5人，2户4人2020年已消除风险，"
        "1户1人2020年消除风险后2022年因安全住房重新识别），"
        "现有未消除风险监测户33户102人（2021年新识别4户11人，2022年新识别22户72人，"
        "2023年新识别7户19人），其中突发严重困难户17户62人，脱贫不稳定户8户13人，边缘易致贫户8户27人。"
    )
    duty = text[text.index("二、责任落实情况") : text.index("三、政策落实情况")]
    for figure in (
        "2023年已下发12次定期工作提示、开展了12次工作队纪律督查",
        "每月一学习、一例会、一督查工作已落实到11月份",
        "8月份组织了1个村工作队的轮换",
        "省后评估反馈问题：认领3个方面13个问题，制定整改措施26条，目前13个问题均已完成整改",
        "国家考核反馈问题：认领9个问题，制定整改措施18条，目前9个问题均已完成整改",
    ):
        assert figure in duty, figure
    policy = text[text.index("三、政策落实情况") : text.index("四、工作落实情况")]
    for figure in (
        "教育帮扶：金山店镇共落实雨露计划64人次，其中春季31人，秋季33人",
        "教育资助共计144人，其中学前教育20人，小学74人，初中49人，高中1人",
        "全镇所有脱贫户、监测户1006人已全部参加了城乡居民基本医疗保险，"
        "住院医疗救助351人次、大病保险政策143人次、门诊慢性病救助639人次。",
        "住房保障：对5户实施危房改造政策",
        "已有149人落实特困供养保障，404户落实农村低保保障，309人落实临时救助，"
        "33人落实事实无人抚养儿童基本生活补助，749人落实重度残疾人护理补贴，"
        "403人落实困难残疾人生活补贴。",
    ):
        assert figure in policy, figure
    # 三 in the order formats.md §8 lists it (seed 000: 教育, 健康, 住房, 兜底).
    places = [policy.index(s) for s in ("教育帮扶：", "健康帮扶：", "住房保障：", "兜底保障：")]
    assert places == sorted(places), places
    work = text[text.index("四、工作落实情况") : text.index("五、存在的问题及下步打算")]
    for figure in (
        # （一）防止返贫动态监测和帮扶
        "1-12月共排查预警线索819条",
        "识别监测对象2户9人，其中突发严重困难户1户4人，边缘易致贫户1户5人",
        "2023年5月（2023年防返贫集中排查）通过对22个村8892户",
        "识别监测对象5户10人，其中突发严重困难户2户3人，脱贫不稳定户1户3人，边缘易致贫户2户4人",
        "自然增加5人，自然减少11户25人",
        # （二）产业帮扶
        "小额信贷：通过银行已办理贷款31户",
        "为21户申报到户产业帮扶奖补资金，兑现到户产业帮扶奖补资金32340元",
        "2023年申报实施产业项目6个，投入资金357.7万元",
        "光伏电站2023年收益分配16万元，用于三个脱贫村15人光伏公益性岗位工资11.6万元，"
        "投入小型公益性事业4.4万元",
        # （三）就业帮扶
        "截至2023年12月，脱贫人口（含监测人口）外出务工共355人，其中脱贫人口335人，监测人口20人",
        "帮助38名务工人员申报发放一次性交通补贴",
        "每户落实1000元奖补，帮助250户申报发放“三业奖补”",
        # （四）衔接资金项目: six, 357.7万元, all finished and accepted
        "全年实施衔接资金项目6个，其中第四批三个项目（向阳村、朝阳村、山下村），"
        "第五批三个项目（龙口村、火石村、白合村），下达资金357.7万元",
        "已开工6个、完工6个、验收6个，累计支付357.7万元",
        # （五）专项整治
        "自查自纠发现的2个问题和督查发现的3个问题已全部整改完成",
    ):
        assert figure in work, figure
    # 四 in the order formats.md §8 lists it (seed 000: 产业帮扶, then 就业帮扶, 专项整治 last).
    order = (
        "开展预警线索摸排",
        "开展集中排查",
        "开展动态管理",
        "小额信贷：",
        "到户产业帮扶奖补资金",
        "申报实施产业项目",
        "光伏电站",
        "外出务工共",
        "落实务工补贴",
        "开展“三业奖补”工作",
        "自查自纠发现",
    )
    places = [work.index(s) for s in order]
    assert places == sorted(places), [s for _, s in sorted(zip(places, order, strict=True))]
    # The appendix: the figures with their definitions.
    rows = {r.cells[2].text: r.cells[3].text for r in document.tables[-1].rows}
    assert (rows["脱贫村"], rows["社区"], rows["行政村"]) == ("3个", "2个", "22个")
    assert (rows["预警线索"], rows["自然减少"], rows["住院医疗救助"]) == (
        "819条",
        "11户25人",
        "351人次",
    )

    # The figures behind the sentences, as `fangpin ledger stats` gives them.
    code, stats, _ = run_command("ledger", "stats", "--region", "大冶市/金山店镇", "--year", "2023")
    assert code == 0, stats
    ledgers = stats["ledgers"]
    yulu = ledgers["yulu"]
    assert yulu["rows"] == 64
    assert {t: f["persons"] for t, f in yulu["by"]["学期"].items()} == {"春季": 31, "秋季": 33}
    aid = ledgers["education_aid"]
    assert (aid["rows"], aid["persons"]) == (145, 144)  # one pupil in two terms
    stages = {s: f["persons"] for s, f in aid["by"]["学段"].items()}
    assert stages == {"初中": 49, "小学": 74, "学前": 20, "高中": 1}
    assert ledgers["housing_renovation"]["households"] == 5
    medical = stats["departments"]["medical"]
    assert medical["batches"] == 2
    assert medical["住院医疗救助"]["rows"] == 351  # re-sent rows and 2022's not counted
    assert medical["住院医疗救助"]["amount"] == f"{351 * 300}.00"
    civil = stats["departments"]["civil"]["by_type"]
    assert (civil["临时救助"]["persons"], civil["农村特困"]["persons"]) == (309, 149)
    assert civil["低保边缘"]["persons"] == 0
    employment = ledgers["employment"]
    december = employment["work"]["2023-12"]
    assert december["外出务工"] == {"persons": 355, "脱贫户": 335, "监测户": 20, "一般农户": 0}
    assert (december["县内务工"]["persons"], december["未务工"]["persons"]) == (12, 8)
    by_month = employment["by_month"]["2023-12"]
    assert by_month["省外务工"]["persons"] + by_month["县外省内务工"]["persons"] == 355
    assert by_month["县外省内务工"]["by_status"]["监测户"]["persons"] == 10
    assert employment["by"]["月份"]["2023-12"]["persons"] == 375
    # 2023-12 against 2023-11: 5 + 20 out now who were not, 4 back in the county (not the 3
    # out in November who are not reported in December).
    assert employment["changes"] == {"2023-12": {"回流": 4, "新外出": 5 + 20}}
    subsidy = ledgers["labour_subsidy"]
    assert subsidy["by"]["补贴类型"]["一次性交通补贴"]["persons"] == 38
    industry = ledgers["industry_aid"]["by"]["奖补项目"]
    assert (industry["三业奖补"]["households"], industry["三业奖补"]["amount"]) == (
        250,
        "250000.00",
    )
    assert (industry["到户产业奖补"]["households"], industry["到户产业奖补"]["amount"]) == (
        21,
        "32340.00",
    )
    loans = ledgers["loans"]
    assert (loans["rows"], loans["households"], loans["amount"]) == (31, 31, "1550000.00")
    income = ledgers["pv_income"]
    assert income["amount"] == income["sums"]["发电收益"] == "160000.00"
    assert (income["sums"]["公益岗位支出"], income["sums"]["公益事业支出"]) == (
        "116000.00",
        "44000.00",
    )
    assert (income["villages"], income["alleviated_villages"], income["post_persons"]) == (3, 3, 15)
    assert ledgers["posts"]["pv_posts"] == {"rows": 15, "persons": 15}
    projects = ledgers["projects"]
    assert (projects["rows"], projects["amount"]) == (6, "3577000.00")
    assert projects["industry"]["industry_projects"] == 6

    # A town without projects says so in 四.
    other = _draft(tmp_path, "大冶市/还地桥镇", "--period", "2023")
    other_text = "\n".join(p.text for p in other.paragraphs)
    work = other_text[other_text.index("四、工作落实情况") : other_text.index("五、")]
    assert "衔接资金项目：2023年没有衔接资金项目记录。" in work
    assert "光伏收益分配：光伏电站2023年收益分配5万元" in work


def test_a_region_without_data_says_so_in_each_section(
    db: Any, tmp_path: Path, data_dir: Path
) -> None:
    county = create_region(actor=None, name="大冶市", level=1, code="420281000000")
    town = create_region(actor=None, name="空镇", level=2, parent=county)
    create_region(actor=None, name="空村", level=3, parent=town)
    document = _draft(tmp_path, "空镇", "--period", "2023-Q2")
    text = "\n".join(p.text for p in document.paragraphs)
    assert document.paragraphs[0].text == "空镇2023年第二季度巩固拓展脱贫攻坚成果工作情况汇报"
    assert "请在此填写" not in text
    assert "本期无医保结算数据" in text and "本期无民政救助数据" in text
    assert "本期无预警线索和识别监测对象数据" in text
    assert "驻村工作队：本期没有驻村工作队记录。" in text
    assert "衔接资金项目：2023年没有衔接资金项目记录。" in text  # projects/reporting.py
    table = "\n".join(c.text for r in document.tables[-1].rows for c in r.cells)
    assert "发现日期在4-6月内的线索" in table
    # Nobody on the register: 一 and the intro say so instead of a row of 0户0人.
    paragraphs = [p.text for p in document.paragraphs]
    assert (
        paragraphs[paragraphs.index("一、基本情况") + 1]
        == "空镇共有1个村；户籍台账中尚无本区域农户数据。"
    )
    assert "部署，户籍台账中尚无本区域农户数据。现将2023年第二季度有关工作情况汇报如下：" in text
    assert "本期无脱贫户、监测户动态管理数据" in text
    assert "二是本期无集中排查数据；" in text
    assert "0户0人" not in text and "自然增加0人" not in text
    # 专项整治 closes 四, as §8 lists it.
    assert paragraphs[paragraphs.index("五、存在的问题及下步打算") - 1] == (
        "专项整治：本期没有专项整治问题记录。"
    )
    village = _draft(tmp_path, "空镇/空村", "--period", "2023-05")
    lines = [p.text for p in village.paragraphs]
    assert lines[lines.index("一、基本情况") + 1] == "空村户籍台账中尚无本区域农户数据。"
