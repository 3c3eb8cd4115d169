"""The monthly token-flow chart: USD purchased (left axis) vs ALEPH distributed to the
network (right axis), one point per month, drawn with textual-plotext.

``show`` keeps the series it was fed (``months``, ``usd``, ``aleph``) so they can be read
back; a series whose source is unavailable is None and not drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from textual_plotext import PlotextPlot

if TYPE_CHECKING:
    from aleph_tui.core.flows.token_flow import MonthlyFlow

USD_LABEL = "USD purchased"
ALEPH_LABEL = "ALEPH to the network"


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
        plt.title("Monthly flow: USD purchased (left) vs ALEPH to the network (right)")
        positions = [float(n) for n in range(1, len(self.months) + 1)]
        if positions:
            plt.xticks(positions, self.months)
            plt.xlim(0.5, len(positions) + 0.5)
        if self.usd is not None:
            plt.plot(positions, self.usd, label=USD_LABEL, marker="hd", yside="left")
            plt.scatter(positions, self.usd, marker="$", yside="left")
        if self.aleph is not None:
            plt.plot(positions, self.aleph, label=ALEPH_LABEL, marker="hd", yside="right")
            plt.scatter(positions, self.aleph, marker="A", yside="right")
        self.refresh()
