"""The layouts of 公益性岗位, 光伏收益分配, 小额信贷 (formats.md §6) and the town's 村干部名单, and
their registration with the ledger kit."""

from __future__ import annotations

from typing import Any

from core.layout import (
    CellError,
    Code,
    Column,
    Date,
    IdNumber,
    Integer,
    Layout,
    Money,
    Number,
    Period,
    Text,
    Year,
)
from ledgers.kit import Ledger, person_columns, region_columns, register
from livelihood import figures
from livelihood.models import CadreRow, LoanRow, PostRow, PvIncomeRow
from regions.models import Region

POST_CATEGORIES = ("乡村公益性岗位", "光伏公益性岗位", "生态护林员", "其他")
POST_FUNDING = ("衔接资金", "光伏收益", "就业补助资金", "其他")
PV_FUNDING = "光伏收益"
LOAN_USES = ("户贷户用", "户贷企用", "户贷社用")
REPAYMENT = ("正常", "已结清", "逾期", "展期", "续贷")


class PostStatus(Code):
    """状态: a blank cell is 在岗 (a post just filled)."""

    def parse(self, raw: Any) -> str:
        return super().parse(raw) or PostRow.Status.ON


POSTS = Layout(
    kind="posts",
    name="公益性岗位",
    level="person",
    columns=(
        *person_columns(),
        Column("post_name", "岗位名称", Text(60)),
        Column("category", "岗位类别", Code(values=POST_CATEGORIES), by=True),
        Column("funding", "资金来源", Code(values=POST_FUNDING), by=True),
        Column("start", "聘用开始日期", Date(past=False), required=True, unique=True),
        Column("end", "聘用结束日期", Date(past=False), help="聘用合同（协议）的终止日期"),
        Column("monthly_pay", "月补贴标准", Money()),
        Column("status", "状态", PostStatus(values=tuple(PostRow.Status.values))),
        Column("exit_date", "退岗日期", Date()),
        Column("exit_reason", "退岗原因", Text(100)),
    ),
    period=Period("start", "span", end="exit_date", alt_end="end"),
)


def clean_post(values: dict[str, Any]) -> dict[str, str]:
    """A contract does not end before it starts; 退岗 has its date and an 在岗 post has none."""
    problems: dict[str, str] = {}
    start, end, left = values.get("start"), values.get("end"), values.get("exit_date")
    if start and end and end < start:
        problems["end"] = f"聘用结束日期{end:%Y-%m-%d}早于聘用开始日期{start:%Y-%m-%d}"
    if start and left and left < start:
        problems["exit_date"] = f"退岗日期{left:%Y-%m-%d}早于聘用开始日期{start:%Y-%m-%d}"
    status = values.get("status")
    if status == PostRow.Status.ON and left:
        problems["status"] = "已填写退岗日期，状态应为“已退岗”"
    elif status == PostRow.Status.LEFT and "exit_date" in values and not left:
        problems["exit_date"] = "已退岗的岗位应填写退岗日期"
    return problems


PV_INCOME = Layout(
    kind="pv_income",
    name="光伏收益分配",
    level="region",
    columns=(
        *region_columns(),
        Column("station", "电站名称", Text(100), required=True, unique=True),
        Column("capacity", "装机容量(kW)", Number(2), aliases=("装机容量",)),
        Column("year", "年度", Year(2014), required=True, unique=True),
        Column("revenue", "发电收益", Money()),
        Column("upkeep", "运维费用", Money(), help="运维、场地租金、保险等扣除"),
        Column("post_wages", "公益岗位支出", Money()),
        Column("public_works", "公益事业支出", Money()),
        Column("awards", "奖励补助支出", Money()),
        Column("other", "其他支出", Money(), help="大于0时须在备注中说明"),
        Column("published", "公示日期", Date()),
        Column("note", "备注", Text(200)),
    ),
    amount=("revenue",),
    period=Period("year"),
)


def clean_pv(values: dict[str, Any]) -> dict[str, str]:
    """The income is not published before its year. (A station with 行政村 blank is the 乡镇's,
    e.g. a 联村电站, or the county's when 乡镇 is blank too: formats.md §6.)"""
    problems: dict[str, str] = {}
    published, year = values.get("published"), values.get("year")
    if published and year and published.year < year:
        problems["published"] = f"公示日期{published:%Y-%m-%d}早于收益年度{year}"
    return problems


LOANS = Layout(
    kind="loans",
    name="小额信贷",
    level="person",
    columns=(
        *person_columns(),
        Column("contract_no", "合同编号", Text(60), required=True, unique=True),
        Column("bank", "贷款银行", Text(60)),
        Column("lent_date", "放款日期", Date()),
        Column("amount", "贷款金额", Money()),
        Column("term_months", "期限(月)", Integer(1, 600), aliases=("期限",)),
        Column("due_date", "到期日期", Date(past=False)),
        Column("rate", "年利率(%)", Number(3, high=100), aliases=("年利率",)),
        Column("use_mode", "使用方式", Code(values=LOAN_USES), by=True),
        Column("purpose", "贷款用途", Text(100)),
        Column("subsidy", "贴息金额", Money()),
        Column("repayment", "还款状态", Code(values=REPAYMENT), by=True),
        Column("overdue_amount", "逾期金额", Money()),
    ),
    amount=("amount",),
    period=Period("lent_date", "date"),
)


def clean_loan(values: dict[str, Any]) -> dict[str, str]:
    """A loan falls due after it is lent; 逾期金额 belongs to an overdue loan."""
    problems: dict[str, str] = {}
    lent, due = values.get("lent_date"), values.get("due_date")
    if lent and due and due <= lent:
        problems["due_date"] = f"到期日期{due:%Y-%m-%d}不晚于放款日期{lent:%Y-%m-%d}"
    overdue = values.get("overdue_amount")
    if overdue and values.get("repayment") in ("正常", "已结清"):
        problems["overdue_amount"] = f"还款状态为“{values['repayment']}”，不应有逾期金额"
    return problems


class CadreId(IdNumber):
    """证件号码 of a 村干部: the 村干部 need not be on the register, so a masked number (the
    export of a user who may not see full numbers) cannot be matched — say so."""

    def parse(self, raw: Any) -> str:
        if "*" in str(raw or ""):
            raise CellError(
                "证件号码已脱敏，村干部名单须填写完整号码（由有权查看完整号码的用户导出）"
            )
        return super().parse(raw)


CADRES = Layout(
    kind="cadres",
    name="村干部名单",
    level="region",
    columns=(
        *region_columns(),
        Column("name", "姓名", Text(60), required=True),
        Column(
            "cadre_id",
            "证件号码",
            CadreId(),
            required=True,
            unique=True,
            sensitive=True,
        ),
        Column("office", "职务", Text(30), by=True, help="如村党组织书记、村委会主任、村委委员"),
        # A term may be entered before it starts, as a post's contract (聘用开始日期) may.
        Column("start", "任职开始日期", Date(past=False), required=True, unique=True),
        Column("end", "任职结束日期", Date(past=False)),
    ),
    period=Period("start", "span", end="end"),
    marker_header="证件号码",
)


def clean_cadre(values: dict[str, Any]) -> dict[str, str]:
    """A 村干部 serves a village; a term does not end before it starts."""
    problems: dict[str, str] = {}
    if "village" in values and not values.get("village"):
        problems["village"] = "村干部应填写所任职的行政村"
    start, end = values.get("start"), values.get("end")
    if start and end and end < start:
        problems["end"] = f"任职结束日期{end:%Y-%m-%d}早于开始日期{start:%Y-%m-%d}"
    return problems


register(
    Ledger(
        POSTS,
        PostRow,
        clean=clean_post,
        search=("post_name",),
        more_figures=figures.post_figures,
        # A 一户一策 measure linked to a post runs to its 退岗日期, else its contract's end
        # (rule 26).
        extra={"term_end": ("exit_date", "end")},
        help="公益性岗位：每人每段聘用一行（续签为新的一行），写明岗位类别、资金来源、聘用起止日期、"
        "月补贴标准和退岗情况。一户一岗；新聘人员16周岁以上、一般不超过60周岁；村干部及其家庭成员"
        "不得聘用；光伏收益设立的岗位只聘用脱贫劳动力和边缘易致贫劳动力。",
    )
)
register(
    Ledger(
        PV_INCOME,
        PvIncomeRow,
        clean=clean_pv,
        search=("station", "note"),
        more_figures=figures.pv_figures,
        help="光伏收益分配：每个村级电站每年一行。收益只能用于公益岗位、小型公益事业和奖励补助，"
        "严禁简单平均分配；运维、场地租金、保险计入运维费用，其他支出须在备注中说明。",
    )
)
register(
    Ledger(
        LOANS,
        LoanRow,
        clean=clean_loan,
        search=("contract_no", "bank", "purpose"),
        more_figures=figures.loan_figures,
        extra={"term_end": ("due_date",), "links": [("逾期与到期提醒", "livelihood:loans_due")]},
        help="脱贫人口小额信贷：每份借款合同一行。5万元（含）以下、3年（含）以内、借款人18—65周岁，"
        "户借、户用、户还；户贷社用、户贷企用须规范管理。逾期和30天内到期的贷款列给帮扶联系人。",
    )
)
register(
    Ledger(
        CADRES,
        CadreRow,
        clean=clean_cadre,
        search=("name", "office"),
        kept_by=Region.Level.TOWN,
        help="村干部名单：由乡镇维护，每名村干部每个任期一行。用于检查公益性岗位是否聘用了村干部"
        "或其家庭成员（同户成员）。",
    )
)
