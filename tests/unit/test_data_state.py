"""The state every figure is drawn in (ui/data_state.py): ages read coarsely, a loading
figure is a skeleton and never "unavailable", stale says its age, since when and why."""

from __future__ import annotations

import datetime as dt

from aleph_tui.ui.data_state import LOADING_TEXT, SKELETON, DataState, Phase, age
from aleph_tui.ui.widgets.amount_text import clock

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def test_age_reads_in_the_largest_whole_unit() -> None:
    def ago(**delta: float) -> str:
        return age(NOW - dt.timedelta(**delta), NOW)

    assert ago(seconds=0) == "0 s"
    assert ago(seconds=59) == "59 s"
    assert ago(seconds=60) == "1 min"
    assert ago(minutes=59, seconds=59) == "59 min"
    assert ago(hours=1) == "1 h"
    assert ago(hours=23, minutes=59) == "23 h"
    assert ago(days=3) == "3 d"
    assert age(NOW + dt.timedelta(seconds=5), NOW) == "0 s"  # a clock a little ahead


def test_each_state_reads_as_itself() -> None:
    since = NOW - dt.timedelta(minutes=3)
    loading = DataState.loading()
    assert loading.text(NOW) == LOADING_TEXT and loading.placeholder() == SKELETON
    assert not loading.has_figure
    assert DataState.ready(since).text(NOW) == ""
    assert DataState.empty("no credits yet").text(NOW) == "no credits yet"
    stale = DataState.stale(since, "node unreachable")
    assert stale.text(NOW) == f"stale 3 min (since {clock(since)}): node unreachable"
    assert stale.has_figure and stale.phase is Phase.STALE
    failed = DataState.failed("node unreachable")
    assert failed.text(NOW) == "unavailable: node unreachable"
    assert failed.placeholder() == "unavailable" and failed.hint == "press r to retry"
