"""The ledger kit's model base: every ledger row names its region, household or person.

A concrete ledger (in its own app) subclasses `LedgerRow`, adds one field per column of its
layout that is not a link column, and declares its key as a unique constraint. Person rows are
scoped through the person's current household's region, household rows through the household's,
region rows through their region; `scope_region()` is that region, for permission checks.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.signals import class_prepared
from django.utils.translation import gettext_lazy as _

from core.models import import_record_field, import_row_field
from core.scoping import ScopedQuerySet, narrow


class LedgerQuerySet(ScopedQuerySet):
    """Rows a user may see: by the household's region (person and household rows) or the
    row's own region (region rows)."""

    @property
    def region_field(self) -> str:  # type: ignore[override]
        """Person rows go where the person lives now, household rows where the household is."""
        return {"person": "person__household__region", "household": "household__region"}.get(
            self.model.LEVEL, "region"
        )

    @property
    def household_field(self) -> str:
        """The household a row counts for (formats.md §7): a person row's is the person's
        household now, as its region is, not the one stored when the row was entered (a member
        who moved counts in the new household's figures); region rows have none."""
        return "person__household" if self.model.LEVEL == "person" else "household"

    def below(self, region: Any) -> LedgerQuerySet:
        """Rows of `region` and below (the root: every row)."""
        return narrow(self, region, self.region_field)


class LedgerRow(models.Model):
    """One row of a ledger (abstract): the link to the register or the region tree, and who
    last changed it."""

    LEVEL = "person"  # person | household | region: set by each ledger

    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("区划"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("区划台账的乡镇或村；农户和个人台账为填报时该户所在区划"),
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("成员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    import_record = import_record_field()
    import_row = import_row_field()

    objects = LedgerQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-id"]

    def scope_region(self) -> Any:
        """The region that decides who sees and changes the row (as `visible_to` does)."""
        if self.LEVEL == "person" and self.person is not None:
            return self.person.household.region
        if self.LEVEL == "household" and self.household is not None:
            return self.household.region
        return self.region


LINKS = {"region", "household", "person"}


def _key_serves_link(sender: type[models.Model], **kwargs: Any) -> None:
    """A ledger whose key begins with its link (person, month) looks rows up by the person
    through the key's index: the link's own index would only slow every import down."""
    if not issubclass(sender, LedgerRow) or sender._meta.abstract:
        return
    for constraint in sender._meta.constraints:
        fields: tuple[str, ...] = tuple(getattr(constraint, "fields", ()))
        if len(fields) > 1 and getattr(constraint, "condition", None) is None:
            field = sender._meta.get_field(fields[0])
            if isinstance(field, models.ForeignKey) and field.name in LINKS:
                field.db_index = False  # type: ignore[attr-defined]  # not in django-stubs


class_prepared.connect(_key_serves_link)
