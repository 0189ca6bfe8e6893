"""责任落实: 问题整改 (problems and their measures, 销号), 驻村工作队, 督查与例会, 网格, 结对帮扶.

The three ledgers of formats.md §6 are kit ledgers (`RectificationRow`, `WorkTeamMember`,
`Inspection`). The rectification ledger has one row per 措施 with the problem's columns repeated;
`Problem` is what the measures of one 问题编号 are about together: the 销号 review, the rule it is
linked to and the status of the whole, kept in step with its rows by `duty.services.sync_problems`
after every import, edit or step.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.scoping import ScopedQuerySet
from ledgers.models import LedgerRow

SOURCES = (
    "国家考核",
    "省后评估",
    "成效考核",
    "市级考核",
    "巡视巡察",
    "审计",
    "督查",
    "暗访",
    "自查",
    "信访",
    "系统问题数据",
)


class Status(models.TextChoices):
    """A measure's status (the ledger's 状态) and, for a problem, that of all its measures."""

    OPEN = "整改中", _("整改中")
    DONE = "已完成", _("已完成")
    CLOSED = "已销号", _("已销号")


class Alert(models.TextChoices):
    NONE = "", _("无")
    ORANGE = "orange", _("临期")
    RED = "red", _("逾期")


class RectificationRow(LedgerRow):
    """问题整改台账: one 整改措施 of a problem; the problem's columns repeat on each of its rows."""

    LEVEL = "region"

    problem_no = models.CharField(_("问题编号"), max_length=40)
    measure_no = models.PositiveIntegerField(_("措施序号"))
    source = models.CharField(_("问题来源"), max_length=10)
    category = models.CharField(_("问题类别"), max_length=60, blank=True)
    description = models.CharField(_("问题描述"), max_length=500, blank=True)
    lead_unit = models.CharField(_("牵头单位"), max_length=100, blank=True)
    unit = models.CharField(_("责任单位"), max_length=100, blank=True)
    responsible = models.CharField(_("责任人"), max_length=60, blank=True)
    measure = models.CharField(_("整改措施"), max_length=500, blank=True)
    measure_type = models.CharField(_("措施类型"), max_length=6, blank=True)
    deadline = models.DateField(_("整改时限"), null=True, blank=True)
    progress = models.CharField(_("整改进展"), max_length=500, blank=True)
    # The (status, alert) index serves a lookup by status: none of its own.
    status = models.CharField(
        _("状态"), max_length=4, choices=Status.choices, default=Status.OPEN, db_index=False
    )
    closed_date = models.DateField(_("销号日期"), null=True, blank=True)
    rule_code = models.CharField(_("关联规则"), max_length=40, blank=True)
    # Beside the layout: the problem, the overdue mark and who marked the measure done.
    problem = models.ForeignKey(
        "duty.Problem",
        verbose_name=_("问题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="measures",
    )
    alert = models.CharField(
        _("时限预警"), max_length=6, choices=Alert.choices, blank=True, default=""
    )
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("完成人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("整改措施")
        verbose_name_plural = _("问题整改台账")
        ordering = ["problem_no", "measure_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["problem_no", "measure_no"], name="rectification_problem_measure"
            )
        ]
        indexes = [models.Index(fields=["deadline"]), models.Index(fields=["status", "alert"])]

    def __str__(self) -> str:
        return f"{self.problem_no}-{self.measure_no} {self.measure[:30]}"


class ProblemQuerySet(ScopedQuerySet):
    region_field = "region"


class Problem(models.Model):
    """A problem of the rectification ledger: its measures' shared columns, the rule it is
    linked to, and its 销号 (the review of the level above)."""

    class Via(models.TextChoices):
        NONE = "", _("—")
        REVIEW = "review", _("上级审核")
        IMPORT = "import", _("导入")

    number = models.CharField(_("问题编号"), max_length=40, unique=True)
    # The (region, status) index serves a lookup by region: none of its own.
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("区划"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    source = models.CharField(_("问题来源"), max_length=10, db_index=True)
    category = models.CharField(_("问题类别"), max_length=60, blank=True)
    description = models.CharField(_("问题描述"), max_length=500, blank=True)
    lead_unit = models.CharField(_("牵头单位"), max_length=100, blank=True)
    rule_code = models.CharField(_("关联规则"), max_length=40, blank=True)
    scope = models.ForeignKey(
        "regions.Region",
        verbose_name=_("规则范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("关联规则在此区划及以下仍有未办结的问题数据时不能销号；空为问题所在区划"),
    )
    status = models.CharField(
        _("状态"), max_length=4, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    measure_count = models.PositiveIntegerField(_("措施数"), default=0)
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("销号审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_via = models.CharField(
        _("销号方式"), max_length=6, choices=Via.choices, blank=True, default=""
    )
    from_items = models.PositiveIntegerField(
        _("建立时的问题数据条数"), default=0, help_text=_("由系统问题数据生成时的条数")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改问题")
        verbose_name_plural = _("整改问题")
        ordering = ["number"]
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.description[:30]}"

    @property
    def rule_scope(self) -> Any:
        return self.scope or self.region


class ReviewQuerySet(ScopedQuerySet):
    region_field = "problem__region"


class Review(models.Model):
    """One decision on a problem: 销号 or 退回 by the level above, 重新打开, or what an import
    brought (a ledger kept elsewhere)."""

    class Action(models.TextChoices):
        CLOSE = "销号", _("审核销号")
        RETURN = "退回", _("退回整改")
        REOPEN = "重新打开", _("重新打开")
        IMPORT_CLOSE = "导入销号", _("导入已销号")
        IMPORT_REOPEN = "导入打开", _("导入重新打开")

    problem = models.ForeignKey(
        Problem, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="reviews"
    )
    action = models.CharField(_("事项"), max_length=6, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    date = models.DateField(_("日期"))
    note = models.CharField(_("意见"), max_length=500, blank=True)
    open_items = models.PositiveIntegerField(_("关联规则未办结条数"), null=True, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("销号审核")
        verbose_name_plural = _("销号审核")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.action} {self.date}"


class MeasureChildQuerySet(ScopedQuerySet):
    region_field = "measure__region"


class ProgressNote(models.Model):
    """A dated progress note of a measure (the ledger's 整改进展 shows the latest)."""

    measure = models.ForeignKey(
        RectificationRow, verbose_name=_("措施"), on_delete=models.CASCADE, related_name="notes"
    )
    date = models.DateField(_("日期"))
    text = models.CharField(_("进展"), max_length=500)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = MeasureChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改进展")
        verbose_name_plural = _("整改进展")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date} {self.text[:30]}"


class Evidence(models.Model):
    """佐证材料 of a measure: a photo or a PDF under MEDIA_ROOT/rectification/, served by a view."""

    measure = models.ForeignKey(
        RectificationRow, verbose_name=_("措施"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.CharField(_("文件"), max_length=200)
    name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = MeasureChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class WorkTeamMember(LedgerRow):
    """驻村工作队: one member's stint in a village; a rotation ends one stint and starts another,
    so who was in post on any date stays known."""

    LEVEL = "region"

    class Post(models.TextChoices):
        SECRETARY = "第一书记", _("第一书记")
        LEADER = "队长", _("队长")
        MEMBER = "队员", _("队员")

    name = models.CharField(_("姓名"), max_length=60)
    unit = models.CharField(_("派出单位"), max_length=100, blank=True)
    post = models.CharField(_("队内职务"), max_length=4, blank=True)
    start = models.DateField(_("驻村开始日期"))
    end = models.DateField(_("驻村结束日期"), null=True, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("驻村工作队员")
        verbose_name_plural = _("驻村工作队")
        ordering = ["region_id", "-start", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name", "start"], name="work_team_region_name_start"
            )
        ]
        indexes = [models.Index(fields=["start", "end"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.post or '队员'}）"


class Inspection(LedgerRow):
    """督查与例会记录: a 工作提示, 学习, 例会, 督查, 暗访 or 培训 of a town or village."""

    LEVEL = "region"

    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=6)
    organizer = models.CharField(_("组织单位"), max_length=100)
    problems_found = models.PositiveIntegerField(_("发现问题数"), null=True, blank=True)
    reported = models.BooleanField(_("是否通报"), null=True, blank=True)
    summary = models.CharField(_("内容摘要"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("督查与例会记录")
        verbose_name_plural = _("督查与例会记录")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "date", "kind", "organizer"], name="inspection_key"
            )
        ]
        indexes = [models.Index(fields=["date", "kind"])]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"


# -- 网格 ------------------------------------------------------------------------------------


class GridUnitQuerySet(ScopedQuerySet):
    region_field = "region"


class GridUnit(models.Model):
    """A grid of the 县乡村组 four-level grid: one region (county, town, village or 组) or a part
    of one (a village may have several grids)."""

    # The (region, name) index serves a lookup by region: none of its own.
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("区划"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    name = models.CharField(_("网格名称"), max_length=60)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = GridUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["region__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="grid_unit_region_name")
        ]

    def __str__(self) -> str:
        return self.name


class GridRoleQuerySet(ScopedQuerySet):
    region_field = "unit__region"

    def current(self, on: Any = None) -> GridRoleQuerySet:
        """Roles held on `on` (today when None)."""
        from core.dates import today

        on = on or today()
        return self.filter(start__lte=on).filter(models.Q(end__isnull=True) | models.Q(end__gte=on))


class GridRole(models.Model):
    """Someone's role in a grid (网格长, 监管员, 监测员 or 网格员): a user of the system or a
    named person, from a date until a date (adjustments keep the history)."""

    class Role(models.TextChoices):
        HEAD = "网格长", _("网格长")
        SUPERVISOR = "监管员", _("监管员")
        MONITOR = "监测员", _("监测员")
        MEMBER = "网格员", _("网格员")

    unit = models.ForeignKey(
        GridUnit, verbose_name=_("网格"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("职责"), max_length=4, choices=Role.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("系统用户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_roles",
    )
    name = models.CharField(_("姓名"), max_length=60)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)

    objects = GridRoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格职责")
        verbose_name_plural = _("网格职责")
        ordering = ["unit_id", "role", "start", "id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class GridHouseholdQuerySet(ScopedQuerySet):
    region_field = "household__region"


class GridHousehold(models.Model):
    """A household's 网格员 (one at a time; a change is audited)."""

    household = models.OneToOneField(
        "registry.Household", verbose_name=_("户"), on_delete=models.CASCADE, related_name="+"
    )
    member = models.ForeignKey(
        GridRole, verbose_name=_("网格员"), on_delete=models.PROTECT, related_name="households"
    )
    assigned_on = models.DateField(_("分配日期"))

    objects = GridHouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格户")
        verbose_name_plural = _("网格户")

    def __str__(self) -> str:
        return f"{self.household_id} → {self.member_id}"


# -- 结对帮扶 ----------------------------------------------------------------------------------


class PairingQuerySet(ScopedQuerySet):
    region_field = "village"


class Pairing(models.Model):
    """结对帮扶: a unit (or a county leader) paired with a village, from a date."""

    class Kind(models.TextChoices):
        FIXED = "定点帮扶", _("定点帮扶")
        EAST_WEST = "东西部协作", _("东西部协作")
        LEADER = "县领导联系点", _("县领导联系点")
        ENTERPRISE = "万企兴万村", _("万企兴万村")

    village = models.ForeignKey(
        "regions.Region", verbose_name=_("村"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("帮扶类型"), max_length=6, choices=Kind.choices, db_index=True)
    unit = models.CharField(
        _("帮扶单位"), max_length=100, help_text=_("单位、企业，或县领导联系点的领导姓名")
    )
    contact = models.CharField(_("联系人"), max_length=60, blank=True)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("帮扶内容"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("结对帮扶")
        verbose_name_plural = _("结对帮扶")
        ordering = ["village_id", "kind", "start"]

    def __str__(self) -> str:
        return f"{self.unit} → {self.village_id}（{self.kind}）"
