"""Working-day calendar and due dates (policy rule 12): weekends off unless 调休, holidays off."""

from __future__ import annotations

import datetime as dt

from monitoring.models import DeadlinePolicy, Holiday


class Calendar:
    """Working days per the editable holiday table, loaded once per use."""

    def __init__(self, holidays: dict[dt.date, str] | None = None) -> None:
        if holidays is None:
            holidays = dict(Holiday.objects.values_list("date", "kind"))
        self.holidays = holidays

    def is_working_day(self, day: dt.date) -> bool:
        kind = self.holidays.get(day)
        if kind == Holiday.Kind.OFF:
            return False
        if kind == Holiday.Kind.WORK:
            return True
        return day.weekday() < 5

    def add(self, start: dt.date, days: int, *, working: bool) -> dt.date:
        """The date `days` after `start` (working days skip weekends and holidays)."""
        if not working:
            return start + dt.timedelta(days=days)
        day, left = start, days
        while left > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def days_between(self, start: dt.date, end: dt.date, *, working: bool) -> int:
        """Days from `start` (exclusive) to `end` (inclusive); negative when end is earlier."""
        if not working:
            return (end - start).days
        sign, lo, hi = (1, start, end) if end >= start else (-1, end, start)
        count, day = 0, lo
        while day < hi:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return sign * count


def due_date(start: dt.date, step: str, policy: DeadlinePolicy, cal: Calendar) -> dt.date:
    """When `step` must be done for a case whose clock started on `start`."""
    return cal.add(start, policy.days_for(step), working=policy.working_days)


def alert_for(due: dt.date, today: dt.date, policy: DeadlinePolicy, cal: Calendar) -> str:
    """red: past the due date; orange: due within `warn_days` (counting today); else ""."""
    if today > due:
        return "red"
    if cal.days_between(today, due, working=policy.working_days) <= policy.warn_days:
        return "orange"
    return ""
