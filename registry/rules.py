"""The register's own rules, shared by the forms, the import and the API.

Pure functions over plain values: they return {field: message} (errors) so any caller can report
them with its own row and column names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core import codes, dates, idnumber

MAX_RISKS = 5


@dataclass
class HouseholdStatus:
    """The status fields of a household, as a form or a spreadsheet row gives them."""

    is_alleviated: bool
    alleviated_year: int | None
    category: str
    risks: list[str]
    identified_date: dt.date | None
    risk_eliminated: bool
    eliminated_date: dt.date | None
    elimination_method: str


# What ending a household's monitoring clears (剔除, 识别不精准退出…, or an import that empties
# 监测对象类别); ending its 脱贫户 status clears 脱贫年度 likewise. In the layout's column order,
# as messages name them.
CLEARED_MONITORING: dict[str, Any] = {
    "category": "",
    "identified_date": None,
    "risks": "",
    "risk_eliminated": False,
    "eliminated_date": None,
    "elimination_method": "",
}


def cleared_with_mark(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The fields a mark cleared between `before` and `after` takes along (as `services.unmark`
    clears them): 监测对象类别 emptied, its dates, risks and elimination; 是否脱贫户 set to 否, its
    脱贫年度. A national export un-marks a household without those columns (formats.md §1)."""
    cleared: dict[str, Any] = {}
    if before["category"] and not after["category"]:
        cleared.update(CLEARED_MONITORING)
    if before["is_alleviated"] and not after["is_alleviated"]:
        cleared["alleviated_year"] = None
    return cleared


def check_status(s: HouseholdStatus, today: dt.date | None = None) -> dict[str, str]:
    """Consistency of 脱贫户 / 监测对象类别 / dates (formats.md §1, policy rule 1)."""
    today = today or dates.today()
    errors: dict[str, str] = {}

    def add(field: str, message: str) -> None:
        # A field can break several rules at once: the user gets each (formats.md §1).
        errors[field] = f"{errors[field]}；{message}" if field in errors else message

    if s.category and s.category not in codes.CATEGORIES:
        add("category", f"监测对象类别“{s.category}”不在代码表中")
    if s.category == "脱贫不稳定户" and not s.is_alleviated:
        add("category", "脱贫不稳定户必须是脱贫户（是否脱贫户=是）")
    if s.category == "边缘易致贫户" and s.is_alleviated:
        add("category", "边缘易致贫户必须是一般农户（是否脱贫户=否）")
    if s.alleviated_year is not None:
        if not s.is_alleviated:
            add("alleviated_year", "只有脱贫户才能填写脱贫年度")
        elif not 2014 <= s.alleviated_year <= 2020:
            add("alleviated_year", f"脱贫年度应在2014—2020之间，实为{s.alleviated_year}")
    if len(s.risks) > MAX_RISKS:
        add("risks", f"风险类型最多5项，实为{len(s.risks)}项")
    unknown = [r for r in s.risks if r not in codes.known("risk")]
    if unknown:
        add("risks", f"风险类型“{'、'.join(unknown)}”不在代码表中")
    if s.category and s.identified_date is None:
        add("identified_date", "监测对象必须填写识别监测时间")
    if s.identified_date and s.identified_date > today:
        add("identified_date", "识别监测时间不能晚于今天")
    if s.identified_date and not s.category:
        add("identified_date", "不是监测对象却填写了识别监测时间")
    if s.risk_eliminated:
        if not s.category:
            add("risk_eliminated", "不是监测对象，不能标注风险消除")
        if s.eliminated_date is None:
            add("eliminated_date", "风险已消除时必须填写风险消除时间")
        if s.elimination_method and s.elimination_method not in codes.ELIMINATION_METHODS:
            add("elimination_method", "风险消除方式应为帮扶消除或自然消除")
    elif s.eliminated_date or s.elimination_method:
        add("risk_eliminated", "填写了风险消除时间或方式，风险是否消除应为“是”")
    if s.eliminated_date and s.identified_date and s.eliminated_date < s.identified_date:
        add(
            "eliminated_date",
            f"风险消除时间{s.eliminated_date:%Y-%m-%d}早于识别监测时间{s.identified_date:%Y-%m-%d}",
        )
    if s.eliminated_date and s.eliminated_date > today:
        add("eliminated_date", "风险消除时间不能晚于今天")
    return errors


def check_person_identity(
    id_number: str, sex: str = "", birth_date: dt.date | None = None
) -> tuple[idnumber.IdCheck, dict[str, str]]:
    """The ID number itself, plus agreement of sex and birth date with it."""
    result = idnumber.check(id_number)
    errors: dict[str, str] = {}
    if result.errors:
        errors["id_number"] = "；".join(result.errors)
        return result, errors
    if sex and sex != result.sex:
        errors["sex"] = f"性别“{sex}”与证件号码（{result.sex}）不一致"
    if birth_date and birth_date != result.birth_date:
        errors["birth_date"] = "出生日期与证件号码不一致"
    return result, errors


def birth_shown(day: dt.date, *, full: bool) -> str:
    """A birth date (or a 出生's date) in a message: whole to a user who may see full numbers,
    else its year only, as pages show it — beside a masked ID number the day rebuilds it."""
    return f"{day:%Y-%m-%d}" if full else f"{day:%Y}年"


def _joined_shown(day: dt.date, *, by_birth: bool, full: bool) -> str:
    """The day a member joined, in a message: a 出生's is the birth date, shown as that is."""
    return birth_shown(day, full=full) if by_birth else f"{day:%Y-%m-%d}"


def member_date_error(
    label: str,
    day: dt.date,
    birth_date: dt.date | None,
    *,
    full: bool,
    added: dt.date | None = None,
    added_by_birth: bool = False,
    new_birth: bool = False,
) -> str:
    """Why a member cannot join or leave a household on `day` (`label`: 增加日期, 减少日期), or
    "": the day is before their birth (from the ID number) or — leaving — before they joined on
    `added` (`added_by_birth`: joined as 出生, a date shown like the birth date). `full`: whether
    the user may see full birth dates (`birth_shown`).

    `new_birth`: `day` is on record and the birth date is what changes (a corrected 证件号码), so
    the message is about the number's birth date (`added_by_birth`: `day` is the 出生 they
    joined by)."""
    if birth_date and day < birth_date:
        born = birth_shown(birth_date, full=full)
        if new_birth:
            shown = _joined_shown(day, by_birth=added_by_birth, full=full)
            return f"证件号码中的出生日期{born}晚于该成员的{label}{shown}"
        return f"{label}{day:%Y-%m-%d}早于该成员的出生日期（{born}）"
    if added and day < added:
        shown = _joined_shown(added, by_birth=added_by_birth, full=full)
        return f"{label}{day:%Y-%m-%d}早于该成员的增加日期（{shown}）"
    return ""


def area_code_warning(id_number: str, county_codes: tuple[str, ...]) -> str:
    """A warning (never an error) when the number's area code is none of the counties' (their
    6-digit codes; none known, no warning). It does not repeat the code: its 5th and 6th digits
    are what a masked number (4202**********1234) hides, and the cell beside it shows the number
    to whoever may read it."""
    if not county_codes or len(id_number) < 6:
        return ""
    if id_number[:6] not in county_codes:
        return (
            f"证件号码的地区码（前6位）不是本县代码{'、'.join(county_codes)}"
            "（可能是外地或旧代码，请核实）"
        )
    return ""


def check_member_set(relations: list[str]) -> str:
    """Exactly one 户主 among a household's members."""
    heads = relations.count("户主")
    if heads == 0:
        return "该户没有户主"
    if heads > 1:
        return f"该户有{heads}个户主，只能有一个"
    return ""


def _reidentified(before: HouseholdStatus, after: HouseholdStatus) -> bool:
    """再标注: an eliminated 监测对象 identified again at a later 识别监测时间."""
    return bool(
        before.risk_eliminated
        and not after.risk_eliminated
        and after.identified_date
        and before.identified_date
        and after.identified_date > before.identified_date
    )


def not_before_end(date: dt.date, end: dt.date | None, today: dt.date) -> dt.date:
    """The date of a marking stated as `date`, given the household's last un-marking `end` of
    that status: the stated date, unless it falls before `end` — then the day it is recorded.

    The history is read in date order (same day: the later record), so a marking dated before
    the un-marking it follows would never take effect: a household 剔除 and marked again by the
    next import with its old 识别监测时间 would stay out of the statistics. The un-marking did
    happen (statistics as of the days in between must not change afterwards), so the status
    holds again from the re-marking on, as §1 dates an un-marking the import day.
    """
    if end is not None and date < end:
        return max(today, end)
    return date


# Every 脱贫户 left poverty by the end of 2020: 脱贫年度 runs 2014–2020 (formats.md §1), and 2021
# opened the five-year 过渡期 after 脱贫攻坚 ended (policy.md §9).
LAST_ALLEVIATION = dt.date(2020, 12, 31)


def alleviated_date(s: HouseholdStatus) -> dt.date:
    """The day a 脱贫户 counts as one from: the end of its 脱贫年度; with none stated, the latest
    day it can have been one — the end of 2020 (`LAST_ALLEVIATION`), or a 脱贫不稳定户's earlier
    识别监测时间, since only a 脱贫户 is one (formats.md §1, §4). Never the day it was recorded:
    statistics as of any earlier date would leave out a household they count as monitored."""
    if s.alleviated_year:
        return dt.date(s.alleviated_year, 12, 31)
    if s.category == "脱贫不稳定户" and s.identified_date:
        return min(LAST_ALLEVIATION, s.identified_date)
    return LAST_ALLEVIATION


def _latest(*days: dt.date | None) -> dt.date | None:
    """The latest of the dates given (None when none is)."""
    return max((d for d in days if d is not None), default=None)


def status_events(
    before: HouseholdStatus | None,
    after: HouseholdStatus,
    today: dt.date,
    exit_reason: str = "",
    ends: Mapping[str, dt.date] | None = None,
) -> list[dict]:
    """The history events that turn `before` into `after` (kind, date and details).

    Dates come from the status fields where they exist (识别监测时间, 风险消除时间), so an import of
    an old register writes its events at the dates that really happened. Clearing a mark (监测对象
    类别 emptied, 是否脱贫户 set back to 否) is an un-marking event dated `today` with `exit_reason`
    (剔除, 清退, 识别不精准退出, 国家系统导入…), so statistics count the household until then only.
    `ends` holds the household's last un-marking dates by kind (``exited``, ``unalleviated``, and
    for the risk ``eliminated``, ``rolled_back``, ``reidentified``): no marking is dated before
    the un-marking it follows (`not_before_end`) — an elimination before the last roll-back or
    re-identification, a re-identification before the elimination it undoes.
    """
    ends = ends or {}
    exited, unalleviated = ends.get("exited"), ends.get("unalleviated")
    # An elimination undone (回退, 再标注) and stated again with its old 风险消除时间 (the next
    # import of a register that never saw the roll-back) is eliminated again from the day it is
    # recorded; dated at the old date it would sort before the roll-back and never count.
    reopened = _latest(exited, ends.get("rolled_back"), ends.get("reidentified"))
    eliminated = _latest(exited, ends.get("eliminated"))
    events: list[dict] = []
    if before is not None and before.category and not after.category:
        events.append(
            {
                "kind": "exited",
                "date": today,
                "category": before.category,
                "reason": exit_reason or "其他",
            }
        )
    if before is not None and before.is_alleviated and not after.is_alleviated:
        events.append({"kind": "unalleviated", "date": today, "reason": exit_reason or "其他"})
    risks = codes.join_multi(after.risks)
    was_alleviated = before.is_alleviated if before else False
    if after.is_alleviated and not was_alleviated:
        date = not_before_end(min(alleviated_date(after), today), unalleviated, today)
        events.append({"kind": "alleviated", "date": date})
    old_cat = before.category if before else ""
    if after.category and not old_cat:
        events.append(
            {
                "kind": "identified",
                "date": not_before_end(after.identified_date or today, exited, today),
                "category": after.category,
                "risks": risks,
            }
        )
    elif after.category and old_cat and before is not None:
        if _reidentified(before, after):
            assert after.identified_date is not None  # _reidentified checks it
            events.append(
                {
                    "kind": "reidentified",
                    "date": not_before_end(after.identified_date, eliminated, today),
                    "category": after.category,
                    "risks": risks,
                }
            )
        elif before.risk_eliminated and not after.risk_eliminated:
            events.append({"kind": "rolled_back", "date": today, "category": after.category})
        elif after.category != old_cat:
            events.append(
                {
                    "kind": "category_changed",
                    "date": today,
                    "category": after.category,
                    "risks": risks,
                }
            )
    if after.category and after.risk_eliminated and not (before and before.risk_eliminated):
        events.append(
            {
                "kind": "eliminated",
                "date": not_before_end(after.eliminated_date or today, reopened, today),
                "category": after.category,
                "method": after.elimination_method,
            }
        )
    return events


@dataclass(frozen=True)
class DateCorrection:
    """A stated date corrected on a household that keeps its status: its latest event of
    `kinds` (the one that recorded the old date) is to take `date`."""

    kinds: tuple[str, ...]
    date: dt.date
    # The un-marking that ends the status those events mark: no event moves before its last one.
    end: str = "exited"


def date_corrections(
    before: HouseholdStatus | None, after: HouseholdStatus
) -> list[DateCorrection]:
    """The corrections of 脱贫年度, 识别监测时间 and 风险消除时间 in a change that makes no new
    event of their kind (a household still a 脱贫户, still monitored, resp. still eliminated, with
    another date).

    Statistics read those dates from the events (formats.md §4: by_identified_year,
    identified_this_year…), so a corrected date has to move its event, like 手工更正 does. A
    脱贫户's `alleviated_date` moves to a stated 脱贫年度, and without one only earlier: a
    识别监测时间 it lost (an exit) does not undo that it was a 脱贫户 by then.
    """
    out = []
    if before is not None and before.is_alleviated and after.is_alleviated:
        date, old = alleviated_date(after), alleviated_date(before)
        if date != old and (after.alleviated_year or date < old):
            out.append(DateCorrection(("alleviated",), date, end="unalleviated"))
    if before is None or not (before.category and after.category):
        return out
    moved = after.identified_date != before.identified_date
    if moved and after.identified_date and not _reidentified(before, after):
        out.append(DateCorrection(("identified", "reidentified"), after.identified_date))
    both = before.risk_eliminated and after.risk_eliminated
    if both and after.eliminated_date and after.eliminated_date != before.eliminated_date:
        out.append(DateCorrection(("eliminated",), after.eliminated_date))
    return out
