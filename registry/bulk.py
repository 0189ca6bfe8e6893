"""The register's bulk service: a checked plan written with bulk operations, inside the caller's
transaction (the import's). Only the registry writes its tables; `imports` builds the Plan.

New households and persons are inserted in batches (fastinsert), changed ones updated with
`bulk_update`; status changes become dated HouseholdEvents (registry.rules.status_events). A
created household or person names the import's own AuditRecord (file, sha256, counts) and its row
in the file; a changed one gets an AuditRecord of its own with its before and after values. The
memberships of new persons are made by the database from the rows just inserted (INSERT …
SELECT): no Python touches them row by row.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from core.batching import chunks
from core.fastinsert import (
    Background,
    Inserter,
    import_settings,
    indexes_built_after,
    param,
    refresh_statistics,
    statement,
)
from core.middleware import current_request
from core.models import AuditRecord
from regions.services import create_tree
from registry import rules
from registry.models import Household, HouseholdEvent, Membership, Person
from registry.rules import HouseholdStatus


@dataclass(slots=True)
class PersonRow:
    row: int
    number: str
    id_number: str  # the full number; for a masked row, filled in by compare()
    values: dict[str, Any]  # PERSON_FIELDS known from the file (without household_id)
    masked: tuple[str, str] | None = None  # (first four, last four) of a masked number


@dataclass(slots=True)
class HouseholdRows:
    number: str
    first_row: int
    region_path: tuple[str, ...]
    values: dict[str, Any]  # household columns present in the file, parsed
    cells: dict[str, Any]  # key → the first row's raw cell, for disagreements
    persons: list[PersonRow] = field(default_factory=list)
    full_path: tuple[str, ...] = ()  # region names from the county down, set by compare()
    exit_reason: str = ""
    unread: set[str] = field(default_factory=set)  # household cells that could not be read
    agreed: tuple = ()  # the first row's household cells, which later rows must repeat


@dataclass
class Plan:
    """What an import would do: new and changed objects with their before/after values."""

    households_new: list[tuple[HouseholdRows, dict[str, Any]]] = field(default_factory=list)
    households_changed: list[tuple[int, HouseholdRows, dict, dict]] = field(default_factory=list)
    households_unchanged: int = 0
    status: dict[str, tuple[HouseholdStatus | None, HouseholdStatus]] = field(default_factory=dict)
    exit_reasons: dict[str, str] = field(default_factory=dict)  # 户编号 → 退出原因
    persons_new: list[tuple[PersonRow, dict[str, Any]]] = field(default_factory=list)
    persons_changed: list[tuple[int, PersonRow, dict, dict]] = field(default_factory=list)
    persons_unchanged: int = 0
    moves: dict[int, int] = field(default_factory=dict)  # person pk → old household pk
    regions_to_create: list[tuple[str, ...]] = field(default_factory=list)
    region_ids: dict[tuple[str, ...], int] = field(default_factory=dict)
    existing_households: dict[str, int] = field(default_factory=dict)
    existing_regions: dict[int, int] = field(default_factory=dict)  # household pk → region pk


BATCH = 5000
# Test hook (see imports/tests/test_sigkill.py): seconds to sleep inside the transaction after the
# first bulk insert, so a test can kill the process mid-write. Unset in normal use.
PAUSE_ENV = "FANGPIN_IMPORT_TEST_PAUSE"


def _pause_once(state: dict[str, bool], background: Background) -> None:
    seconds = os.environ.get(PAUSE_ENV)
    if seconds and not state.get("paused"):
        state["paused"] = True
        background.drain()  # the batch is in the database (uncommitted) while paused
        print("import: paused inside the transaction", file=sys.stderr, flush=True)
        time.sleep(float(seconds))


class _ByFields:
    """A batch of new rows as values, grouped by the fields they hold (one group for nearly
    every file), for `Inserter.insert_values`: no dict a row to merge with the defaults (two
    dicts a person were half of the Python spent writing them)."""

    def __init__(self, *lead: str) -> None:
        self.lead = lead  # the fields every row starts with
        self.groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}

    def add(self, lead: tuple[Any, ...], values: dict[str, Any]) -> None:
        keys = tuple(values)
        rows = self.groups.get(keys)
        if rows is None:
            rows = self.groups[keys] = []
        rows.append((*lead, *values.values()))

    def insert(self, inserter: Inserter, background: Background | None) -> None:
        for keys, rows in self.groups.items():
            inserter.insert_values((*self.lead, *keys), rows, background)


def _batches(items: list[Any]) -> Any:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _runs(ids: Iterable[int]) -> list[tuple[int, int]]:
    """(first, last) of each stretch of consecutive values in ascending `ids`."""
    runs: list[list[int]] = []
    for pk in ids:
        if runs and runs[-1][1] == pk - 1:
            runs[-1][1] = pk
        else:
            runs.append([pk, pk])
    return [(first, last) for first, last in runs]


class Writer:
    """Applies one Plan; `counts` says what was written."""

    def __init__(
        self,
        plan: Plan,
        *,
        actor: Any,
        note: str,
        today: dt.date,
        progress: Callable[[int, str], None],
        record: AuditRecord,
    ) -> None:
        self.plan = plan
        self.actor = actor if getattr(actor, "pk", None) else None
        self.actor_id = self.actor.pk if self.actor else None  # on the records and events
        self.note = note[:500]
        self.today = today
        self.progress = progress
        self.audit_rows: list[dict[str, Any]] = []
        # What the import creates names its record (`record`: the import's own, already written).
        origin = {"import_record_id": record.pk}
        self.households = Inserter(Household, fixed=origin)
        self.persons = Inserter(Person, fixed=origin)
        # Memberships are also made by INSERT … SELECT: the database numbers them.
        self.memberships = Inserter(Membership, keyed=False)
        self.audit_inserter = Inserter(AuditRecord, keyed=False)
        # Status and membership events, made by the import and its user (a first load: one or
        # two a household).
        self.event_inserter = Inserter(
            HouseholdEvent,
            keyed=False,
            fixed={"actor_id": self.actor_id, "source": "导入"},
        )
        self.household_ids: list[int] = []
        self.person_ids: list[int] = []
        self.background: Background | None = None
        self.household_pk: dict[str, int] = dict(plan.existing_households)
        self.region_of: dict[int, int] = dict(plan.existing_regions)
        self.events: list[dict[str, Any]] = []  # HouseholdEvent rows
        self.state: dict[str, bool] = {}
        self.regions_created = 0
        self.phases: dict[str, float] = {}  # seconds per step, for the benchmark

    def run(self) -> None:
        with import_settings():
            self._write()

    def _write(self) -> None:
        mark = time.perf_counter()

        def phase(name: str) -> None:
            nonlocal mark
            now = time.perf_counter()
            self.phases[name] = self.phases.get(name, 0.0) + now - mark
            mark = now

        self._regions()
        phase("regions")
        plan = self.plan
        # Ids are reserved while the connection is still this thread's.
        self.household_ids = self.households.reserve(len(plan.households_new))
        self.person_ids = self.persons.reserve(len(plan.persons_new))
        loads = {
            Household: len(plan.households_new),
            Person: len(plan.persons_new),
            Membership: len(plan.persons_new),
        }
        with indexes_built_after(loads):
            # New rows go to the database on a thread of their own (fastinsert.Background).
            with Background() as self.background:
                self.progress(70, "正在写入户")
                self._new_households()
                self.progress(80, "正在写入成员")
                self._new_persons()
            self.background = None
            phase("insert")
            self.progress(88, "正在建立索引")
        phase("indexes")
        # Updates go through the ORM on this thread again.
        self._changed_households()
        self._status_events()
        self._changed_persons()
        self.event_inserter.insert(self.events)
        self.progress(92, "正在写入变更记录")
        self._write_audit()
        phase("update")
        refresh_statistics(
            {
                Household: len(plan.households_new) + len(plan.households_changed),
                Person: len(plan.persons_new) + len(plan.persons_changed),
                Membership: len(plan.persons_new),
                HouseholdEvent: len(self.events),
            }
        )
        phase("statistics")

    def _regions(self) -> None:
        """The file's missing regions, created in bulk with one audit record naming them."""
        plan = self.plan
        if not plan.regions_to_create:
            return
        plan.region_ids = create_tree(
            actor=self.actor,
            paths=plan.regions_to_create,
            known=plan.region_ids,
            note=self.note,
        )
        self.regions_created = len(plan.regions_to_create)

    def _audit(
        self,
        obj_type: str,
        pk: int,
        label: str,
        hh: int,
        region: int | None,
        before: dict,
        after: dict,
    ) -> None:
        """Queue the record of one changed object, with its before and after values."""
        self.audit_rows.append(
            {
                "action": AuditRecord.Action.UPDATE,
                "object_type": obj_type,
                "object_id": str(pk),
                "object_repr": label[:200],
                "before": before,
                "after": after,
                "household_id": hh,
                "region_id": region,
                "note": self.note,
            }
        )

    def _write_audit(self) -> None:
        """Insert the records of changed objects (like core.audit.audit_objects, but through the
        fast inserter)."""
        if not self.audit_rows:
            return
        info = current_request()
        for row in self.audit_rows:
            row["actor_id"] = self.actor_id
            if info:
                row["request_id"], row["ip"] = info.request_id, info.ip
        self.audit_inserter.insert(self.audit_rows, self.background)
        self.audit_rows = []

    def _new_households(self) -> None:
        plan = self.plan
        new = list(zip(self.household_ids, plan.households_new, strict=True))
        assert self.background is not None
        for batch in _batches(new):
            rows = _ByFields("id", "import_row")
            for pk, (hh, after) in batch:
                values = dict(after)
                values["region_id"] = values["region_id"] or plan.region_ids[hh.full_path]
                values["number"] = hh.number
                rows.add((pk, hh.first_row), values)
                self.household_pk[hh.number] = pk
                self.region_of[pk] = values["region_id"]
            rows.insert(self.households, self.background)
            _pause_once(self.state, self.background)

    def _changed_households(self) -> None:
        plan = self.plan
        groups: dict[frozenset, list[Household]] = defaultdict(list)
        now = timezone.now()
        for pk, hh, before, changed in plan.households_changed:
            if "region_id" in changed and changed["region_id"] is None:
                changed["region_id"] = plan.region_ids[hh.full_path]
            obj = Household(pk=pk, number=hh.number, updated_at=now, **changed)
            groups[frozenset(changed)].append(obj)
            region = changed.get("region_id") or self.region_of[pk]
            self.region_of[pk] = region
            self._audit(
                "registry.household",
                pk,
                f"户（{hh.number}）",
                pk,
                region,
                before,
                changed,
            )
        for fields, objs in groups.items():
            Household.objects.bulk_update(objs, [*fields, "updated_at"], batch_size=BATCH)

    def _status_events(self) -> None:
        """The events of the households whose status changed, and their corrected dates moved
        onto the events that recorded them (each move audited like the household's change)."""
        status = self.plan.status
        known = [self.household_pk[n] for n, (before, _) in status.items() if before is not None]
        ends: dict[int, dict[str, dt.date]] = {}
        for part in chunks(known):
            ends |= HouseholdEvent.objects.filter(household_id__in=part).last_ends()
        corrections: dict[int, list[rules.DateCorrection]] = {}
        for number, (before, after) in status.items():
            pk = self.household_pk[number]
            reason = self.plan.exit_reasons.get(number) or "国家系统导入"
            for event in rules.status_events(before, after, self.today, reason, ends.get(pk)):
                self.events.append({"household_id": pk, **event})
            found = rules.date_corrections(before, after)
            if found:
                corrections[pk] = found
        for moved, old in HouseholdEvent.objects.correct_dates(corrections):
            pk = moved.household_id
            self._audit(
                "registry.householdevent",
                moved.pk,
                str(moved),
                pk,
                self.region_of[pk],
                {"date": old.isoformat()},
                {"date": moved.date.isoformat()},
            )

    def _new_persons(self) -> None:
        existing = self.plan.existing_households
        new = list(zip(self.person_ids, self.plan.persons_new, strict=True))
        original: list[int] = []  # persons of new households: original members, joined by SQL
        for batch in _batches(new):
            rows = _ByFields("id", "household_id", "id_number", "import_row")
            joins = []
            for pk, (p, after) in batch:
                household = self.household_pk[p.number]
                rows.add((pk, household, p.id_number, p.row), after)
                if p.number not in existing:
                    original.append(pk)
                    continue
                # A new member of a household already registered joins it today.
                joins.append(
                    {
                        "person_id": pk,
                        "household_id": household,
                        "start_date": self.today,
                        "start_reason": Membership.StartReason.OTHER,
                    }
                )
                self.events.append(self._member_event(household, pk, "added"))
            rows.insert(self.persons, self.background)
            self.memberships.insert(joins, self.background)
        quote = connection.ops.quote_name
        sql = (
            f"INSERT INTO {quote(Membership._meta.db_table)}"
            " (person_id, household_id, start_date, start_reason, end_date, end_reason)"
            f" SELECT id, household_id, NULL, {param('varchar')}, NULL, ''"
            f" FROM {quote(Person._meta.db_table)}"
            f" WHERE id BETWEEN {param('bigint')} AND {param('bigint')}"
        )
        assert self.background is not None
        for first, last in _runs(original):
            self.background.submit(statement(sql, [Membership.StartReason.ORIGINAL, first, last]))

    def _member_event(self, household: int, person: int, how: str) -> dict[str, Any]:
        return {
            "household_id": household,
            "kind": "member_added" if how == "added" else "member_removed",
            "date": self.today,
            "person_id": person,
            "reason": "迁入" if how == "added" else "迁出",
        }

    def _changed_persons(self) -> None:
        plan = self.plan
        groups: dict[frozenset, list[Person]] = defaultdict(list)
        now = timezone.now()
        rejoined: list[Membership] = []
        for pk, p, before, changed in plan.persons_changed:
            if "household_id" in changed:
                changed["household_id"] = self.household_pk[p.number]
            obj = Person(pk=pk, id_number=p.id_number, updated_at=now, **changed)
            groups[frozenset(changed)].append(obj)
            household = self.household_pk[p.number]
            if pk in plan.moves or before.get("is_member") is False:
                rejoined.append(
                    Membership(
                        person_id=pk,
                        household_id=household,
                        start_date=self.today,
                        start_reason="迁入" if pk in plan.moves else "其他",
                    )
                )
                self.events.append(self._member_event(household, pk, "added"))
            if pk in plan.moves:
                self.events.append(self._member_event(plan.moves[pk], pk, "removed"))
            self._audit(
                "registry.person",
                pk,
                p.values.get("name", ""),
                household,
                self.region_of[household],
                before,
                changed,
            )
        moved = list(plan.moves)
        for chunk in _batches(moved):
            Membership.objects.filter(person_id__in=chunk, end_date__isnull=True).update(
                end_date=self.today, end_reason="迁出"
            )
        for fields, objs in groups.items():
            Person.objects.bulk_update(objs, [*fields, "updated_at"], batch_size=BATCH)
        Membership.objects.bulk_create(rejoined, batch_size=BATCH)
