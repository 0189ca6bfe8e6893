"""Who may do what: the one capability table of the project.

Every role check goes through `can` / `require` with a capability from `Cap`; services call
`require` (so a command, a job or the API is held to the same rule as a page) and templates read the
`caps` context (so a button the user may not press is not shown). Region is the other half of every
rule: `can(user, cap, region)` also asks that the region lies within the user's own, and objects of
another region are answered 404 by `core.scoping` before any capability is asked.

Roles are the `accounts.Role` values, named here by their strings so that core depends on no app.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

COUNTY = "county_admin"
TOWN = "town_staff"
VILLAGE = "village_staff"
GRID = "grid_member"
AUDITOR = "auditor"
ROLES = (COUNTY, TOWN, VILLAGE, GRID, AUDITOR)
STAFF = frozenset({COUNTY, TOWN, VILLAGE})
FIELD = frozenset({COUNTY, TOWN, VILLAGE, GRID})


class Cap(StrEnum):
    """Capabilities. The value is the name templates use: `{% if caps.edit_register %}`."""

    VIEW = "view"  # read the pages, lists and figures of one's region
    EDIT_REGISTER = "edit_register"  # households, members, incomes
    IMPORT = "import_files"  # upload, check and confirm register and ledger files
    EXPORT = "export"  # Excel exports and prints with people's data
    REVEAL = "reveal"  # full ID numbers and phones (with the user's own flag)
    REPORT_LEAD = "report_lead"  # record a lead, upload evidence
    TRIAGE = "triage"  # verify, merge and dismiss leads; start a procedure
    STEP_VISIT = "step_visit"  # 入户核查
    STEP_VILLAGE = "step_village"  # 信息比对, 民主评议, 公示
    STEP_TOWN = "step_town"  # 乡镇审核
    STEP_COUNTY = "step_county"  # 县级审定
    PLAN = "plan"  # contacts and 一户一策 measures
    RECORD_VISIT = "record_visit"  # visits and screening answers
    RUN_CAMPAIGN = "run_campaign"  # 集中排查 campaigns
    WORK_ITEMS = "work_items"  # department warnings and findings: assign, record results
    UPLOAD_BATCH = "upload_batch"  # department files for comparison
    EDIT_LEDGER = "edit_ledger"  # ledger rows by hand
    REVIEW = "review"  # maker-checker reviews of the level above (销号)
    OVERRIDE = "override"  # county corrections and overrides with a stated reason
    SETTINGS = "settings"  # policy settings, rules, questionnaires
    ADMIN = "admin"  # users, regions, jobs of everybody
    AUDIT_READS = "audit_reads"  # who saw whose full data (查阅记录)


TABLE: dict[Cap, frozenset[str]] = {
    Cap.VIEW: frozenset(ROLES),
    Cap.EDIT_REGISTER: STAFF,
    Cap.IMPORT: frozenset({COUNTY, TOWN}),
    Cap.EXPORT: frozenset(ROLES),
    Cap.REVEAL: frozenset(ROLES),
    Cap.REPORT_LEAD: FIELD,
    Cap.TRIAGE: STAFF,
    Cap.STEP_VISIT: frozenset({VILLAGE, GRID}),
    Cap.STEP_VILLAGE: frozenset({VILLAGE}),
    Cap.STEP_TOWN: frozenset({TOWN}),
    Cap.STEP_COUNTY: frozenset({COUNTY}),
    Cap.PLAN: STAFF,
    Cap.RECORD_VISIT: FIELD,
    Cap.RUN_CAMPAIGN: frozenset({COUNTY, TOWN}),
    Cap.WORK_ITEMS: FIELD,
    Cap.UPLOAD_BATCH: STAFF,
    Cap.EDIT_LEDGER: STAFF,
    Cap.REVIEW: frozenset({COUNTY, TOWN}),
    Cap.OVERRIDE: frozenset({COUNTY}),
    Cap.SETTINGS: frozenset({COUNTY}),
    Cap.ADMIN: frozenset({COUNTY}),
    Cap.AUDIT_READS: frozenset({COUNTY, AUDITOR}),
}

# What a refusal says when the caller names no reason of its own.
REFUSALS: dict[Cap, str] = {
    Cap.VIEW: "请先登录",
    Cap.EDIT_REGISTER: "只读账号和网格员不能修改户籍台账",
    Cap.IMPORT: "只有县级管理员和乡镇干部可以导入文件",
    Cap.EXPORT: "您的账号不能导出",
    Cap.REVEAL: "无权查看完整证件号码和电话",
    Cap.REPORT_LEAD: "只读账号不能登记线索",
    Cap.TRIAGE: "无权研判该线索",
    Cap.STEP_VISIT: "您的角色或所属区划不能办理该环节",
    Cap.STEP_VILLAGE: "您的角色或所属区划不能办理该环节",
    Cap.STEP_TOWN: "您的角色或所属区划不能办理该环节",
    Cap.STEP_COUNTY: "您的角色或所属区划不能办理该环节",
    Cap.PLAN: "您的角色不能安排帮扶联系人和措施",
    Cap.RECORD_VISIT: "只读账号不能登记走访",
    Cap.RUN_CAMPAIGN: "只有县级管理员和乡镇干部可以组织集中排查",
    Cap.WORK_ITEMS: "只读账号不能办理比对条目",
    Cap.UPLOAD_BATCH: "您的角色不能上传部门数据",
    Cap.EDIT_LEDGER: "只读账号和网格员不能修改台账",
    Cap.REVIEW: "只有上级（乡镇或县）可以审核销号",
    Cap.OVERRIDE: "只有县级管理员可以更正或放行",
    Cap.SETTINGS: "只有县级管理员可以修改设置",
    Cap.ADMIN: "只有县级管理员可以管理用户和区划",
    Cap.AUDIT_READS: "只有审计员和县级管理员可以查看查阅记录",
}


def _within(user: Any, region: Any) -> bool:
    own = getattr(user, "region", None)
    path = getattr(region, "path", None)
    return own is not None and path is not None and path.startswith(own.path)


def acts_for_server(actor: Any) -> bool:
    """Whether `actor` is the server itself: no actor, or a command (`fangpin`, acting for the
    server: accounts.cli.BatchCommand.system_user), which imports anywhere and exports in full."""
    return actor is None or bool(getattr(actor, "acts_for_server", False))


def import_region(actor: Any) -> Any:
    """Where an actor may import: their own region and below (a town staff their town, a county
    admin their county, not a second county beside it); anywhere for the server itself."""
    if acts_for_server(actor):
        return None
    return getattr(actor, "region", None)


def can(user: Any, cap: Cap, region: Any = None) -> bool:
    """Whether `user` has `cap` — in `region` (a region object) when one is given."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "is_active", True) or getattr(user, "region", None) is None:
        return False
    if getattr(user, "role", "") not in TABLE[cap]:
        return False
    if cap is Cap.REVEAL and not getattr(user, "can_view_sensitive", False):
        return False
    return region is None or _within(user, region)


def require(
    user: Any, cap: Cap, region: Any = None, message: str = "", *, hide: bool = False
) -> None:
    """`can`, or PermissionDenied with a Chinese reason (the 403 page shows it).

    With `hide`, a refusal is a 404 instead: screens a role should not know about (user and
    region administration) look like pages that do not exist, as objects of another region do.
    """
    if not can(user, cap, region):
        if hide:
            raise Http404("未找到")
        raise PermissionDenied(message or REFUSALS[cap])


class Capabilities:
    """`caps.<name>` in templates: whether the current user has the capability (anywhere)."""

    def __init__(self, user: Any) -> None:
        self.user = user

    def __getattr__(self, name: str) -> bool:
        try:
            cap = Cap(name)
        except ValueError as exc:
            raise AttributeError(name) from exc
        return can(self.user, cap)

    def __getitem__(self, name: str) -> bool:
        return self.__getattr__(name)


def context(request: Any) -> dict[str, Any]:
    """Context processor: `caps` for the templates."""
    return {"caps": Capabilities(getattr(request, "user", None))}
