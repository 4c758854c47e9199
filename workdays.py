"""Dates on working days: "one row per ticker per trading day", "deliveries only on weekdays".

A daily series on working days is a hidden daily count, one step a row, and the date written is
that count's working day: every five days of the count are one week, Monday to Friday, counted
from a Monday before the window. Dates that are not a series get Monday-to-Friday weights.
"""
from __future__ import annotations

import re
from typing import Any

from phrases import Rule

WORKDAY_WEIGHTS = [1, 1, 1, 1, 1, 0, 0]
RELATIVE_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


def window_days(col: dict[str, Any]) -> int:
    """How many days before today the column's window starts ('-2y': 730), 365 when unsure."""
    m = re.fullmatch(r"-(\d+)([dwmy])", str(col.get("start", "")))
    return int(m.group(1)) * RELATIVE_DAYS[m.group(2)] if m else 365


def weekday_series(table: Any, time: dict[str, Any]) -> bool:
    """A daily series (`step` 1d) made to skip Saturdays and Sundays."""
    if time["type"] != "date" or time.get("step") != "1d" or time.get("hidden"):
        return False
    days = window_days(time)
    monday = f"(today() - {days} - weekday(today() - {days}))"
    count_name = f"{time['name']}_count"
    counter = {k: v for k, v in time.items() if k not in ("_given", "_words", "_concept", "description")}
    # five counted days are one week: a series starts in the first half of the window, so that one
    # of some hundred rows ends before today
    counter.update(name=count_name, hidden=True, start=f"-{days}d", end=f"-{max(days - days * 5 // 14, 1)}d",
                   _helper=True)
    keep = {k: time[k] for k in ("name", "description", "_given", "_words", "_concept") if k in time}
    time.clear()
    time.update(keep, type="formula", expr=f"{monday} + 7 * floor(({count_name} - {monday}) / 5) + "
                                           f"({count_name} - {monday}) % 5")
    table.columns.insert(table.columns.index(time), counter)
    return True


def place_workdays(placer: Any, rule: Rule, own: dict[str, Any] | None) -> bool:
    """'only on weekdays': a daily series skips weekends; other dates are drawn Monday to Friday."""
    targets = [own] if own is not None and own["type"] in ("date", "datetime") else \
        placer.resolver.main_dates(placer.table)
    done = False
    for col in targets:
        if col.get("step"):
            done = weekday_series(placer.table, col) or done
        elif not col.get("after"):
            col["weekdays"] = list(WORKDAY_WEIGHTS)
            done = True
    return done
