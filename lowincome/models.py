"""农村低收入人口 (民政): the list 民政 keeps of 低保, 特困, 低保边缘, 刚性支出困难,
防止返贫致贫对象 and 其他困难人员 (policy.md §9), as last imported, matched to the register."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.masking import mask_id
from core.scoping import ScopedQuerySet

KINDS = ("低保", "特困", "低保边缘", "刚性支出困难", "防止返贫致贫对象", "其他困难人员")
# How 民政's files and older lists spell them.
KIND_ALIASES = {
    "最低生活保障对象": "低保",
    "低保对象": "低保",
    "农村低保": "低保",
    "特困人员": "特困",
    "特困供养": "特困",
    "农村特困": "特困",
    "低保边缘家庭成员": "低保边缘",
    "最低生活保障边缘家庭成员": "低保边缘",
    "刚性支出困难家庭成员": "刚性支出困难",
    "防止返贫监测对象": "防止返贫致贫对象",
    "监测对象": "防止返贫致贫对象",
    "其他": "其他困难人员",
}


class LowIncomePersonQuerySet(ScopedQuerySet):
    region_field = "region"


class LowIncomePerson(models.Model):
    """One person of 民政's list: as written, where they live, and what the register says."""

    class Match(models.TextChoices):
        BOTH = "both", _("双方名单均有")
        NOT_ON_REGISTER = "unregistered", _("不在户籍台账")
        NOT_MONITORED = "plain", _("在户籍台账但非脱贫户、监测户")

    id_number = models.CharField(_("证件号码"), max_length=22, unique=True)
    name = models.CharField(_("姓名"), max_length=60)
    kind = models.CharField(_("人员类别"), max_length=10, choices=[(k, k) for k in KINDS])
    # The (region, match) index serves a lookup by region: none of its own.
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在村"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("台账成员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("台账户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recognised = models.DateField(_("认定日期"), null=True, blank=True)
    members = models.PositiveSmallIntegerField(_("家庭人口数"), null=True, blank=True)
    income = models.DecimalField(
        _("家庭年纯收入"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    spending = models.DecimalField(
        _("刚性支出"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    per_capita = models.DecimalField(
        _("人均纯收入"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    after_spending = models.DecimalField(
        _("扣除刚性支出后人均收入"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    match = models.CharField(_("比对结果"), max_length=12, choices=Match.choices)
    imported_at = models.DateTimeField(_("导入时间"), auto_now=True)

    objects = LowIncomePersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("低收入人口")
        verbose_name_plural = _("低收入人口")
        ordering = ["region_id", "kind", "id"]
        indexes = [models.Index(fields=["region", "match"]), models.Index(fields=["kind"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.kind}）"

    def masked_id(self) -> str:
        return mask_id(self.id_number)
