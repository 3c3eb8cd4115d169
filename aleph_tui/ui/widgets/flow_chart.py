"""The monthly token-flow chart: USD purchased (left axis) vs ALEPH distributed to the
network (right axis), two bars per month, drawn with textual-plotext.

``show`` keeps the series it was fed (``months``, ``usd``, ``aleph``) so they can be read
back; a series whose source is unavailable is None and not drawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from textual_plotext import PlotextPlot

from aleph_tui.core.formatting import rate

if TYPE_CHECKING:
    from aleph_tui.core.flows.token_flow import MonthlyFlow

USD_LABEL = "USD purchased"
ALEPH_LABEL = "ALEPH to the network"
# Each series has its own character (never colour alone); the title says which is which.
USD_MARKER = "█"
ALEPH_MARKER = "▒"
TITLE = f"{USD_MARKER} {USD_LABEL} (left)   {ALEPH_MARKER} {ALEPH_LABEL} (right)"
BAR_WIDTH = 0.4  # of a month's slot, per series
AXIS = {"left": 1, "right": 2}  # plotext's y axes: bar() takes the names, yticks() these


def _series(values: Sequence[Decimal | None]) -> list[float] | None:
    """Floats for drawing only; None when any month lacks the figure (source down)."""
    if any(value is None for value in values):
        return None
    return [float(value) for value in values if value is not None]


class FlowChart(PlotextPlot):
    DEFAULT_CSS = """
    FlowChart { height: 14; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.months: list[str] = []
        self.usd: list[float] | None = None
        self.aleph: list[float] | None = None

    def show(self, monthly: Sequence[MonthlyFlow]) -> None:
        self.months = [m.month for m in monthly]
        self.usd = _series([m.usd_purchased for m in monthly]) if monthly else None
        self.aleph = _series([m.aleph_distributed for m in monthly]) if monthly else None
        self._draw()

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(TITLE)
        positions = [float(n) for n in range(1, len(self.months) + 1)]
        if positions:
            plt.xticks(positions, self.months)
            plt.xlim(0.5, len(positions) + 0.5)
        # Side by side in each month: USD left of the tick, ALEPH right of it. No
        # plotext labels: its legend adds side letters and marker samples ("L ▞▞");
        # the title is the legend.
        for series, marker, side, offset in (
            (self.usd, USD_MARKER, "left", -BAR_WIDTH / 2),
            (self.aleph, ALEPH_MARKER, "right", BAR_WIDTH / 2),
        ):
            if series is not None:
                plt.bar(
                    [p + offset for p in positions],
                    series,
                    width=BAR_WIDTH,
                    marker=marker,
                    fill=True,
                    yside=side,
                    reset_ticks=False,
                )
                ticks = axis_ticks(series)
                labels = [rate(Decimal(str(t))) for t in ticks]
                plt.yticks(ticks, labels, yside=AXIS[side])
                plt.ylim(0, ticks[-1], yside=AXIS[side])
        self.refresh()


def axis_ticks(series: Sequence[float], count: int = 5) -> list[float]:
    """Round ticks from 0 to at least the series' top, at most ``count`` steps of 1, 2,
    2.5 or 5 times a power of ten: 0, 100, 200, 300, 400 (not plotext's 102.25...)."""
    top = max(series, default=0.0) or 1.0
    power = 10.0 ** math.floor(math.log10(top / count))
    step = next(power * f for f in (1, 2, 2.5, 5, 10) if power * f * count >= top)
    return [step * n for n in range(math.ceil(top / step - 1e-9) + 1)]
