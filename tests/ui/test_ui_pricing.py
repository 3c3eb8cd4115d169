"""The Pricing view (key 8) with Pilot on the devnet: each entity's table as the facade
computes it, and the cost estimator, exact and refusing bad input inline."""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import DataTable, Select, Static

from aleph_tui.ui.views import ViewSpec
from aleph_tui.ui.views.pricing_view import PricingView, price, usd
from aleph_tui.ui.widgets.validated_input import ValidatedInput
from tests.support.devnet_process import RunningDevnet
from tests.support.ui_app import build_app, fill, open_view, screen_text, wait_for_workers

SIZE = (160, 45)


async def test_pricing_tables_and_estimator_match_the_facade(
    devnet: RunningDevnet, home: Path
) -> None:
    app = await build_app(devnet.document, home)
    app.views = [ViewSpec.of(PricingView)]
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "pricing")
        assert isinstance(view, PricingView)
        expected = await app.service.pricing_tables()
        assert expected and view.tables == expected
        select = app.query_one("#pricing-entity", Select)
        assert view.entity == expected[0].entity

        tiers = app.query_one("#pricing-tiers", DataTable)
        for index, table in enumerate(expected):
            if index:
                await pilot.press("right_square_bracket")
                await pilot.pause()
            assert select.value == table.entity
            summary = str(app.query_one("#pricing-summary", Static).content)
            assert table.entity in summary
            if table.compute_unit_credits_per_hour is not None:
                assert f"{price(table.compute_unit_credits_per_hour)} credits/hour" in summary
                assert usd(table.compute_unit_usd_per_hour) in summary
            if table.storage_credits_per_gib_day is not None:
                assert f"{price(table.storage_credits_per_gib_day)} credits/GiB/day" in summary
                # issue 16: "4,415.69010416667230208 credits/GiB/day"
                shown = re.search(r"([0-9,.]+) credits/GiB/day", summary)
                assert shown and len(shown[1].partition(".")[2]) <= 2
            assert tiers.row_count == len(table.tiers)
            for tier in table.tiers:
                row = [str(c) for c in tiers.get_row(tier.id)]
                assert row[0] == tier.id and row[1] == str(tier.compute_units)
                assert row[-2] == price(tier.credits_per_hour)
                assert row[-1] == usd(tier.usd_per_hour)
                # figures right-aligned, names left
                cells = tiers.get_row(tier.id)
                assert [getattr(c, "justify", None) for c in (cells[0], *cells[-2:])] == [
                    None,
                    "right",
                    "right",
                ]

        entity = next(t for t in expected if t.compute_unit_credits_per_hour is not None)
        select.value = entity.entity
        await pilot.pause()
        await fill(pilot, "#pricing-units-input", "3")
        await fill(pilot, "#pricing-hours-input", "2.5")
        await wait_for_workers(pilot)
        estimate = await app.service.estimate_cost(entity.entity, 3, "2.5")
        assert view.estimate == estimate
        text = str(app.query_one("#pricing-estimate", Static).content)
        assert f"= {price(estimate.credits)} credits ({usd(estimate.usd)})" in text
        assert price(estimate.credits) in screen_text(app)

        units = app.query_one("#pricing-units", ValidatedInput)
        await fill(pilot, "#pricing-units-input", "0")
        await wait_for_workers(pilot)
        assert units.error is not None and units.error.startswith("units")
        assert units.rule_text == units.error
        assert view.estimate is None
        # one field filled but wrong: the panel names it (it said "Fill both fields")
        panel = app.query_one("#pricing-estimate", Static)
        assert str(panel.content) == "Fix compute units to estimate"

        # the rule, not just "'-1' is not a whole number"
        await fill(pilot, "#pricing-units-input", "-1")
        await wait_for_workers(pilot)
        assert units.error == "units: must be a whole number from 1 to 1000000"
        await fill(pilot, "#pricing-units-input", "")
        await fill(pilot, "#pricing-hours-input", "abc")
        await wait_for_workers(pilot)
        assert str(panel.content) == "Fill compute units and fix hours to estimate"
        await fill(pilot, "#pricing-hours-input", "")
        await wait_for_workers(pilot)
        assert str(panel.content) == "Fill both fields to estimate"

        await fill(pilot, "#pricing-units-input", "2")
        hours = app.query_one("#pricing-hours", ValidatedInput)
        await fill(pilot, "#pricing-hours-input", "-1")
        await wait_for_workers(pilot)
        assert hours.error is not None and "greater than zero" in hours.error
        assert view.estimate is None
