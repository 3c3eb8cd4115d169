"""The dashboard's tabs, in key order. Each view lives in its own module."""

from __future__ import annotations

from aleph_tui.ui.view import View
from aleph_tui.ui.views.accounts_view import AccountsView


def all_views() -> list[type[View]]:
    from aleph_tui.ui.views.balance_view import BalanceView
    from aleph_tui.ui.views.buy_view import BuyView
    from aleph_tui.ui.views.flow_view import FlowView
    from aleph_tui.ui.views.history_view import HistoryView
    from aleph_tui.ui.views.pricing_view import PricingView
    from aleph_tui.ui.views.transfer_view import TransferView
    from aleph_tui.ui.views.usage_view import UsageView

    views: list[type[View]] = [AccountsView]
    views += [BuyView, TransferView]
    views += [BalanceView, HistoryView]
    views += [UsageView]
    views += [PricingView]
    views += [FlowView]
    return sorted(views, key=lambda view: view.key)
