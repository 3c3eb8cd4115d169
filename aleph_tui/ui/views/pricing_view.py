"""Key 8, Pricing: the node's pricing aggregate, one entity at a time, and a cost estimator.

For the chosen entity: the compute unit's price in credits per hour and in USD (and what
one unit is), storage per GiB per day, and the tiers. The estimator prices N compute
units of that entity for H hours, exactly (core/flows/pricing.py); its fields are checked by
core's validators as they are typed. 1 000 000 credits = 1 USD.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Select, Static

from aleph_tui.core import validation
from aleph_tui.core.flows.pricing_text import (
    LABEL_WIDTH,
    estimate_line,
    numeric_columns,
    price_lines,
    tier_table,
    usd_text,
)
from aleph_tui.core.formatting import rate
from aleph_tui.core.validation import InvalidInput
from aleph_tui.ui.view import View
from aleph_tui.ui.widgets.validated_input import ValidatedInput

if TYPE_CHECKING:
    from aleph_tui.core.accounts.account_store import Account
    from aleph_tui.core.flows.pricing import EntityTable, Estimate

NO_ENTITY = "no entity"


def price(value: Decimal | None) -> str:
    """A price at a sensible precision (core/formatting.rate): ``4,415.69``; the exact
    values are ``aleph-tui pricing --json``'s."""
    return "" if value is None else rate(value)


def usd(value: Decimal | None) -> str:
    return usd_text(value, price)


def _what_to_fix(units: ValidatedInput[int], hours: ValidatedInput[Decimal]) -> str:
    """What the estimate waits for: the fields to fill, or the one whose value to fix."""
    if units.is_empty and hours.is_empty:
        return "Fill both fields to estimate"
    steps = [
        f"{'fill' if field.is_empty else 'fix'} {name}"
        for field, name in ((units, "compute units"), (hours, "hours"))
        if not field.is_valid
    ]
    return " and ".join(steps).capitalize() + " to estimate"


def _units(text: str) -> int:
    return validation.compute_units(text)


def _hours(text: str) -> Decimal:
    return validation.hours(text)


class PricingView(View):
    view_id = "pricing"
    title = "Pricing"
    key = "8"

    DEFAULT_CSS = """
    PricingView { padding: 0 1; }
    PricingView #pricing-top { height: auto; margin-top: 1; }
    PricingView #pricing-entity { width: 32; margin-right: 2; }
    PricingView #pricing-summary { width: 1fr; height: auto; }
    PricingView #pricing-tiers { height: 1fr; min-height: 5; margin-top: 1; }
    PricingView #pricing-estimator {
        height: auto; border: round $panel; padding: 0 1; margin-top: 1;
    }
    PricingView #pricing-estimator-fields { height: auto; }
    PricingView #pricing-estimator-fields > ValidatedInput { width: 32; margin-right: 2; }
    PricingView #pricing-estimate { height: auto; }
    /* 80 columns: narrower fields, the estimate beside them */
    Screen.-narrow PricingView #pricing-entity { width: 26; margin-right: 1; }
    Screen.-narrow PricingView #pricing-estimator { layout: horizontal; }
    Screen.-narrow PricingView #pricing-estimator-fields { width: auto; }
    Screen.-narrow PricingView #pricing-estimator-fields > ValidatedInput {
        width: 16; margin-right: 1;
    }
    Screen.-narrow PricingView #pricing-estimate { width: 1fr; padding-top: 1; }
    /* 24 lines: the tiers table gives way to the estimator */
    Screen.-short PricingView #pricing-tiers { min-height: 3; margin-top: 0; }
    Screen.-short PricingView #pricing-top { margin-top: 0; }
    """
    SCOPED_CSS = False  # for the rules on the screen's size classes

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "right_square_bracket",
            "step_entity(1)",
            "Next entity",
            key_display="]",
            id="pricing-next-entity",
            tooltip="Show the next entity's prices",
        ),
        Binding(
            "left_square_bracket",
            "step_entity(-1)",
            "Prev entity",
            key_display="[",
            show=False,
            id="pricing-previous-entity",
            tooltip="Show the previous entity's prices",
        ),
        Binding(
            "e",
            "focus_estimator",
            "Estimate",
            id="pricing-estimate",
            tooltip="Estimate a cost: compute units of this entity for some hours",
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tables: tuple[EntityTable, ...] = ()
        self.estimate: Estimate | None = None
        self._error: str | None = None
        self._loaded = False
        self._shown_tiers: tuple[list[str], list[tuple[str, list[str]]]] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="pricing-top"):
            yield Select[str](
                [],
                prompt="entity",
                allow_blank=True,
                id="pricing-entity",
                tooltip="The entity whose prices are shown and estimated",
            )
            yield Static("loading…", id="pricing-summary", markup=False)
        yield DataTable(id="pricing-tiers", cursor_type="row", zebra_stripes=True)
        with Vertical(id="pricing-estimator"):
            with Horizontal(id="pricing-estimator-fields"):
                yield ValidatedInput(
                    "Compute units",
                    _units,
                    value="1",
                    id="pricing-units",
                    tooltip="A whole number of compute units, at least 1",
                )
                yield ValidatedInput(
                    "Hours",
                    _hours,
                    value="24",
                    id="pricing-hours",
                    tooltip="A duration in hours, more than 0 (up to 6 decimals)",
                )
            yield Static("", id="pricing-estimate", markup=False)

    def on_mount(self) -> None:
        self.query_one("#pricing-estimator").border_title = "Cost estimator"

    # --- hooks ---------------------------------------------------------------------

    def default_focus(self) -> Widget:
        return self.query_one("#pricing-tiers", DataTable)

    def account_changed(self, account: Account | None) -> None:
        if not self._loaded:  # prices do not depend on the account
            self._loaded = True
            self._load_tables()

    def reload(self) -> None:
        self._load_tables()

    def shows_address(self, address: str) -> bool:
        return False  # prices are no account's: a MoneyChanged leaves them be

    # --- state ---------------------------------------------------------------------

    @property
    def entity(self) -> str | None:
        value = self.query_one("#pricing-entity", Select).value
        return value if isinstance(value, str) else None

    def table_of(self, entity: str | None) -> EntityTable | None:
        return next((t for t in self.tables if t.entity == entity), None)

    # --- actions -------------------------------------------------------------------

    def action_step_entity(self, step: int) -> None:
        if not self.tables:
            return
        names = [t.entity for t in self.tables]
        current = self.entity
        index = names.index(current) if current in names else -step
        self.query_one("#pricing-entity", Select).value = names[(index + step) % len(names)]

    def action_focus_estimator(self) -> None:
        self.query_one("#pricing-units", ValidatedInput).focus_input()

    @on(Select.Changed, "#pricing-entity")
    def _entity_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._render_entity()
        self._start_estimate()

    @on(ValidatedInput.Changed, "#pricing-units, #pricing-hours")
    def _field_changed(self, event: ValidatedInput.Changed) -> None:
        event.stop()
        self._start_estimate()

    # --- loading -------------------------------------------------------------------

    @work(name="pricing-tables", group="pricing-tables", exclusive=True, exit_on_error=False)
    async def _load_tables(self) -> None:
        try:
            tables = await self.service.pricing_tables()
        except Exception as exc:
            text = str(exc).strip()
            self._error = text.splitlines()[0] if text else type(exc).__name__
            self.query_one("#pricing-summary", Static).update(f"Pricing unavailable: {self._error}")
            self.aleph_app.report_failure("Pricing unavailable", exc, self.reload)
            return
        self.tables, self._error = tables, None
        select = self.query_one("#pricing-entity", Select)
        keep = self.entity
        names = [t.entity for t in tables]
        with select.prevent(Select.Changed):
            select.set_options([(name, name) for name in names])
            if names:
                select.value = keep if keep in names else names[0]
        self._render_entity()
        self._start_estimate()

    def _start_estimate(self) -> None:
        units = self.query_one("#pricing-units", ValidatedInput)
        hours = self.query_one("#pricing-hours", ValidatedInput)
        output = self.query_one("#pricing-estimate", Static)
        entity = self.entity
        self.estimate = None
        if entity is None:
            output.update("Choose an entity")
            return
        table = self.table_of(entity)
        if table is not None and table.compute_unit_credits_per_hour is None:
            output.update(f"{entity} has no compute unit price in credits")
            return
        if not (units.is_valid and hours.is_valid):
            output.update(_what_to_fix(units, hours))
            return
        self._estimate(entity, str(units.result), str(hours.result))

    @work(name="pricing-estimate", group="pricing-estimate", exclusive=True, exit_on_error=False)
    async def _estimate(self, entity: str, units: str, hours: str) -> None:
        output = self.query_one("#pricing-estimate", Static)
        try:
            result = await self.service.estimate_cost(entity, units, hours)
        except InvalidInput as exc:
            output.update(str(exc))
            return
        except Exception as exc:
            output.update("Estimate unavailable")
            self.aleph_app.report_failure("Pricing: estimate", exc)
            return
        self.estimate = result
        output.update(estimate_line(result, price))

    # --- rendering -----------------------------------------------------------------

    def _render_entity(self) -> None:
        summary = self.query_one("#pricing-summary", Static)
        table = self.table_of(self.entity)
        if table is None:
            self._show_tiers([], [])
            summary.update("No entity in the pricing aggregate" if not self.tables else "")
            return
        lines = [f"{table.entity} · 1,000,000 credits = $1"]
        lines += [f"{label:<{LABEL_WIDTH}}  {text}" for label, text in price_lines(table, price)]
        if not table.tiers:
            lines.append("No tiers")
        summary.update("\n".join(lines))
        columns, rows = tier_table(table, price)
        self._show_tiers(columns, [(row[0], row) for row in rows])

    def _show_tiers(self, columns: list[str], rows: list[tuple[str, list[str]]]) -> None:
        """Rebuild the tiers table, unless it already shows these: the entity is rendered
        again when its Select settles, and a rebuild would move the cursor back."""
        if self._shown_tiers == (columns, rows):
            return
        self._shown_tiers = (columns, rows)
        tiers: DataTable[str | Text] = self.query_one("#pricing-tiers", DataTable)
        tiers.clear(columns=True)
        right = numeric_columns(columns)
        for index, title in enumerate(columns):
            tiers.add_column(Text(title, justify="right") if index in right else title)
        for key, row in rows:
            cells = [Text(c, justify="right") if i in right else c for i, c in enumerate(row)]
            tiers.add_row(*cells, key=key)
