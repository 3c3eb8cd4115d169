"""How every view looks, as SVG snapshots (pytest-textual-snapshot).

Every view at 80×24 (the default terminal: the narrow, short layout) and at 140×45: with
its data, while its requests are held (loading), when the node and the chain fail
(failed), for an account that has nothing (empty); the Buy and Transfer confirmations;
the account dialogs. The state tests run one app per size through every view, so the
suite stays short.

The devnet runs with ``--clock`` and the app with the same fixed ``now()``, so the seeded
balances, expiries, history and "last updated" read the same on any day; what still
changes between runs (the devnet's ports, a transfer's item hash) is drawn as zeros
(``svg_of``), and each capture waits until the screen has settled. Baselines live in
``tests/ui/__snapshots__/test_ui_snapshots/``; after a deliberate change, review
``snapshot_report.html`` (the state tests show as syrupy diffs) and accept with ``pytest
tests/ui/test_ui_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from pytest_textual_snapshot import SVGImageExtension  # type: ignore[import-untyped]
from syrupy.assertion import SnapshotAssertion
from textual.pilot import Pilot
from textual.widgets import Footer, Input

from aleph_tui.core.retry import HTTP_TIMEOUT_ENV
from aleph_tui.ui.app import AlephApp
from aleph_tui.ui.screens.payment_link_screen import PaymentLinkScreen
from aleph_tui.ui.screens.signing_confirmation import SigningConfirmation
from aleph_tui.ui.views import all_views
from tests.support.devnet_process import RunningDevnet, start_devnet
from tests.support.faults import injected
from tests.support.isolation import isolated
from tests.support.ui_app import (
    DEVNET_CLOCK,
    FIXED_NOW,
    PATIENCE_S,
    build_app,
    build_app_sync,
    fill,
    footer_keys,
    make_store,
    open_view,
    screen_text,
    settle_loaded,
    settle_tables,
    shown_binding_keys,
    until,
    wait_for_workers,
)

SnapCompare = Callable[..., bool]

# The default terminal (80×24: every view in its narrow, short layout) and a roomy one.
SIZES = {"80x24": (80, 24), "140x45": (140, 45)}
VIEW_IDS = [view.view_id for view in all_views()]
# A key no test funds: an account with no credits, no history and no tokens.
EMPTY_KEY = "0x" + "11" * 32
# How long the screen must stay the same to count as settled (a view waiting on a held
# request, or showing its failure, draws nothing new).
STILL_S = 1.0


@pytest.fixture(scope="module")
def clock_devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDevnet]:
    """A devnet whose "now" is fixed: its seeded history and balances never move."""
    running = start_devnet(
        tmp_path_factory.mktemp("devnet-clock"), "--chain", "embedded", "--clock", DEVNET_CLOCK
    )
    yield running
    running.stop()


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_devnet_clock_fixes_seeding_and_expiry(clock_devnet: RunningDevnet) -> None:
    """Seeded history ends just before the fixed "now", and balances count the lots
    still valid then, not today."""
    address = clock_devnet.document["accounts"][0]["address"]
    with httpx.Client(base_url=clock_devnet.api_url, timeout=30) as client:
        balance = client.get(
            f"/api/v0/addresses/{address}/balance", params={"include_credit_details": "true"}
        ).json()
        history = client.get(
            f"/api/v0/addresses/{address}/credit_history",
            params={"pagination": 1, "page": 1},
        ).json()["credit_history"]
    newest = max(_instant(row["message_timestamp"]) for row in history)
    assert FIXED_NOW - dt.timedelta(days=2) < newest < FIXED_NOW
    lots = balance["credit_balance_details"]
    assert lots and balance["credit_balance"] == sum(lot["amount"] for lot in lots)
    expiries = [_instant(lot["expiration_date"]) for lot in lots if lot["expiration_date"]]
    assert min(expiries) > FIXED_NOW
    assert min(expiries) < FIXED_NOW + dt.timedelta(days=60)  # "expiring soon" is seeded


def test_a_wrapped_hash_is_masked_and_its_neighbours_are_not() -> None:
    """The item hash changes with the signing time, so it is drawn as zeros; an address
    drawn just before a piece of it keeps every digit (it once lost its last one when
    the hash's previous piece ended with the same digit: a snapshot failed 1 run in 16)."""
    item_hash = "ab" * 20 + "8" + "0123456789abcdef" * 2 + "7" * 7
    address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    piece = item_hash[40:58]  # starts with the "8" the address ends with
    line = f"<text>To  {address}    █{piece[1:]}</text><text>\n</text>"
    full = f"<text>item_hash {item_hash[:30]}█</text><text>\n┃█{item_hash[30:]}</text>"
    masked = mask(line + full, [], (item_hash,))
    assert address in masked
    assert piece[1:] not in masked
    assert "0" * 30 + "█" in masked and "┃█" + "0" * 34 in masked
    assert item_hash[:12] not in masked and item_hash[-12:] not in masked


def test_a_bad_clock_is_refused_in_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aleph_tui", "devnet", "--clock", "next tuesday"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--clock" in result.stderr and "ISO 8601" in result.stderr


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("view_id", VIEW_IDS)
def test_view_looks(
    view_id: str,
    size: str,
    clock_devnet: RunningDevnet,
    snap_compare: SnapCompare,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each view with its data, at 80×24 and at 140×45."""
    with isolated(tmp_path, monkeypatch):
        app = build_app_sync(clock_devnet.document, tmp_path)

        async def show(pilot: Pilot[Any]) -> None:
            await open_view(pilot, view_id)
            await settle_loaded(pilot)
            await settle_tables(pilot)  # with data, every table fits: wait for it in full
            await settle_screen(pilot)
            still_inputs(app)

        assert snap_compare(app, terminal_size=SIZES[size], run_before=show)


def still_inputs(app: AlephApp) -> None:
    """Text cursors drawn the same in every capture (they blink with time)."""
    for field in app.screen.query(Input):
        field.cursor_blink = False


async def settle_screen(pilot: Pilot[Any]) -> None:
    """Until the screen has not changed for ``STILL_S``: what a view draws while a request
    is held (its loading state) or once its failure is shown has then all arrived,
    including what it draws after a delay (the loading overlays)."""
    app = pilot.app
    assert isinstance(app, AlephApp)
    # A table whose placeholder never fits (a failed state) is not waited on for long:
    # the stillness below still catches a table measured late (the screen changes).
    await settle_tables(pilot, within=5.0)
    deadline = time.monotonic() + PATIENCE_S
    # A focused field's blinking cursor is no change of the screen's content.
    for field in app.query(Input):
        field.cursor_blink = False
    last, since = screen_text(app), time.monotonic()
    changed: list[str] = []
    while time.monotonic() - since < STILL_S:
        assert time.monotonic() < deadline, f"the screen never settled: {changed[-4:]}"
        await pilot.pause(0.05)
        now = screen_text(app)
        if now != last:
            changed = [
                b for a, b in zip(last.splitlines(), now.splitlines(), strict=False) if a != b
            ]
            last, since = now, time.monotonic()


def svg_of(app: AlephApp, devnet: RunningDevnet) -> str:
    """The screen as ``snap_compare`` takes it, with what changes from run to run drawn
    as zeros of the same width: the devnet's ports (in failures, in the transfer's
    review) and a transfer's item hash (its message carries the signing time)."""
    masks = [
        re.compile(re.escape(HOST) + f"({spread(str(port))})")
        for url in (devnet.api_url, devnet.credit_api_url, devnet.rpc_url)
        if (port := urlsplit(url).port) is not None
    ]
    screen = app.screen
    hashes: tuple[str, ...] = ()
    if isinstance(screen, SigningConfirmation) and "item_hash" in screen.details:
        hashes = (screen.details["item_hash"],)
    return mask(app.export_screenshot(simplify=True), masks, hashes)


TEXT_NODE = re.compile(r"(<text[^>]*>)([^<]*)(</text>)")
HOST = "127.0.0.1:"
HASH_RUN = 12
# What may lie between two characters of a value wrapped over two lines: spaces, borders,
# scrollbars (never a letter or a digit).
GAP_MAX = 16
LAYOUT_GAP = f"[^0-9A-Za-z]{{0,{GAP_MAX}}}"


def spread(text: str) -> str:
    """A pattern for ``text`` that a line break may cut anywhere."""
    return LAYOUT_GAP.join(re.escape(char) for char in text)


WORD = re.compile(r"[0-9A-Za-z]+")


def hash_places(stream: str, value: str) -> set[int]:
    """Where ``value`` (a hash) is shown, whole, wrapped or cut by the screen's edge:
    words (runs of letters and digits), each taken whole, that follow one another with
    only layout between them (``LAYOUT_GAP``) and together are a piece of ``value`` at
    least ``HASH_RUN`` long. Whole words only: a hash piece wrapped just beside an
    address never takes the address's last digit with it."""
    words = list(WORD.finditer(stream))
    places: set[int] = set()
    first = 0
    while first < len(words):
        text, last = words[first].group(), first
        while (
            text in value
            and last + 1 < len(words)
            and words[last + 1].start() - words[last].end() <= GAP_MAX
            and text + words[last + 1].group() in value
        ):
            last += 1
            text += words[last].group()
        if len(text) >= HASH_RUN and text in value:
            for word in words[first : last + 1]:
                places.update(range(word.start(), word.end()))
            first = last + 1
        else:
            first += 1
    return places


def mask(svg: str, patterns: list[re.Pattern[str]], hashes: tuple[str, ...] = ()) -> str:
    """Every letter and digit inside group 1 of a match of ``patterns``, and every piece
    of ``hashes`` shown, replaced by ``0``, matched over the text of the whole screen (a
    wrapped value lies in several text nodes). Widths are kept, so is the layout."""
    nodes = list(TEXT_NODE.finditer(svg))
    texts = [html.unescape(node.group(2)) for node in nodes]
    stream = "".join(texts)
    zeroed: set[int] = set()
    for pattern in patterns:
        for found in pattern.finditer(stream):
            zeroed.update(at for at in range(found.start(1), found.end(1)) if stream[at].isalnum())
    for value in hashes:
        zeroed |= hash_places(stream, value)
    if not zeroed:
        return svg
    pieces, last, offset = [], 0, 0
    for node, text in zip(nodes, texts, strict=True):
        masked = "".join("0" if offset + i in zeroed else char for i, char in enumerate(text))
        offset += len(text)
        if masked == text:
            continue
        pieces.append(svg[last : node.start(2)])
        pieces.append(html.escape(masked).replace("\xa0", "&#160;"))
        last = node.end(2)
    pieces.append(svg[last:])
    return "".join(pieces)


async def show_state(pilot: Pilot[Any], view_id: str) -> None:
    """Open ``view_id`` without waiting for its loads, focus the view itself (its usual
    first focus may sit under a loading overlay, which refuses it), then let its state
    settle. Toasts are cleared: they leave with the wall clock, the view's state does not."""
    app = pilot.app
    assert isinstance(app, AlephApp)
    # The footer joins once the first view's data is shown, or after a delay when it never
    # is (AlephApp.after_start): wait for it, so that every capture has it.
    await until(pilot, lambda: bool(app.screen.query(Footer)), "the footer")
    app.clear_notifications()
    app.action_open_view(view_id, focus=False)
    await pilot.pause()
    view = app.query_one(f"#{view_id}")
    await until(pilot, lambda: view.is_mounted, f"{view_id} mounted")
    view.focus()
    await settle_footer(pilot)
    app.clear_notifications()
    await settle_screen(pilot)
    await settle_footer(pilot)
    app.clear_notifications()
    still_inputs(app)
    await pilot.pause()


async def settle_footer(pilot: Pilot[Any]) -> None:
    """Until the footer shows the focused widget's keys (it recomposes after a refresh)."""
    app = pilot.app
    assert isinstance(app, AlephApp)
    deadline, asked = time.monotonic() + PATIENCE_S, time.monotonic()
    while footer_keys(app) != shown_binding_keys(app):
        assert time.monotonic() < deadline, "the footer never showed its keys"
        if time.monotonic() - asked > 1:
            app.screen.refresh_bindings()
            asked = time.monotonic()
        await pilot.pause(0.05)


@pytest.mark.parametrize("size", sorted(SIZES))
async def test_views_loading_look(
    size: str,
    clock_devnet: RunningDevnet,
    snapshot: SnapshotAssertion,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every view while the node and the chain hold every request: its loading state.
    One app visits them all (each view's requests start when it is first shown)."""
    svg = snapshot.use_extension(SVGImageExtension)
    # The client waits as long as the test: a timeout would turn "loading" into a failure.
    monkeypatch.setenv(HTTP_TIMEOUT_ENV, "600")
    with isolated(tmp_path, monkeypatch):
        app = await build_app(clock_devnet.document, tmp_path)
        app.animation_level = "none"  # a loading indicator drawn still
        with injected(clock_devnet.api_url, "latency", target="all", delay_ms=600_000):
            async with app.run_test(size=SIZES[size]) as pilot:
                for view_id in VIEW_IDS:
                    await show_state(pilot, view_id)
                    assert svg(name=view_id) == svg_of(app, clock_devnet)


# Eight views, each waited on until its retries are spent and the screen is still.
@pytest.mark.timeout(400)
@pytest.mark.parametrize("size", sorted(SIZES))
async def test_views_failed_look(
    size: str,
    clock_devnet: RunningDevnet,
    snapshot: SnapshotAssertion,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every view when the node and the chain answer every request with a 500: its
    failed state, once the retries are spent."""
    svg = snapshot.use_extension(SVGImageExtension)
    with isolated(tmp_path, monkeypatch):
        app = await build_app(clock_devnet.document, tmp_path)
        app.animation_level = "none"
        with injected(clock_devnet.api_url, "http_500", target="all"):
            async with app.run_test(size=SIZES[size]) as pilot:
                for view_id in VIEW_IDS:
                    await show_state(pilot, view_id)
                    await wait_for_workers(pilot)
                    await show_state(pilot, view_id)
                    # Showing it again may ask again: a load whose retries outlast the
                    # stillness wait was caught "Loading..." (1 run in 7). Its end is
                    # the failed state.
                    await wait_for_workers(pilot)
                    await settle_screen(pilot)
                    assert svg(name=view_id) == svg_of(app, clock_devnet)


@pytest.mark.parametrize("size", sorted(SIZES))
async def test_views_empty_look(
    size: str,
    clock_devnet: RunningDevnet,
    snapshot: SnapshotAssertion,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every view of an account that has nothing: no credits, no history, no tokens."""
    svg = snapshot.use_extension(SVGImageExtension)
    with isolated(tmp_path, monkeypatch):
        await make_store(tmp_path).import_key("empty", EMPTY_KEY)
        app = await build_app(clock_devnet.document, tmp_path)
        app.animation_level = "none"
        async with app.run_test(size=SIZES[size]) as pilot:
            await until(pilot, lambda: bool(app.accounts), "the accounts")
            app.active_account = next(a for a in app.accounts if a.name == "empty")
            for view_id in VIEW_IDS:
                await open_view(pilot, view_id)
                await settle_loaded(pilot)
                await show_state(pilot, view_id)
                assert svg(name=view_id) == svg_of(app, clock_devnet)


async def _buy_form(pilot: Pilot[Any]) -> None:
    await open_view(pilot, "buy")
    await fill(pilot, "#buy-amount-input", "2")


async def _transfer_form(pilot: Pilot[Any]) -> None:
    await open_view(pilot, "transfer")
    await fill(pilot, "#transfer-to-input", "dev-1")
    await fill(pilot, "#transfer-amount-input", "1000000")


FORMS = {"buy": _buy_form, "transfer": _transfer_form}


def enabled(app: AlephApp, selector: str) -> bool:
    return not app.query_one(selector).disabled


@pytest.mark.parametrize("size", sorted(SIZES))
async def test_confirmations_look(
    size: str,
    clock_devnet: RunningDevnet,
    snapshot: SnapshotAssertion,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What Buy and Transfer show before anything is signed, Cancel and Sign in view;
    each is cancelled, so nothing is ever sent."""
    svg = snapshot.use_extension(SVGImageExtension)
    with isolated(tmp_path, monkeypatch):
        app = await build_app(clock_devnet.document, tmp_path)
        app.animation_level = "none"
        async with app.run_test(size=SIZES[size]) as pilot:
            for form, fill_in in FORMS.items():
                await fill_in(pilot)
                await until(pilot, partial(enabled, app, f"#{form}-submit"), f"{form}: submit")
                await pilot.press("ctrl+s")
                await until(
                    pilot,
                    lambda: isinstance(app.screen, SigningConfirmation),
                    f"{form}: the confirmation",
                )
                app.clear_notifications()
                await settle_screen(pilot)
                assert svg(name=form) == svg_of(app, clock_devnet)
                await pilot.press("n")
                await until(
                    pilot,
                    lambda: not isinstance(app.screen, SigningConfirmation),
                    f"{form}: cancelled",
                )
                await wait_for_workers(pilot)


async def test_pay_from_phone_looks(
    clock_devnet: RunningDevnet,
    snapshot: SnapshotAssertion,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Buy's "Pay from phone" at 80×24: the whole code on the left, its text on the right.
    2.5 ALEPH: an 18-decimal amount, the longest link (a version-7 code). Nothing in it
    depends on the chain's block number (the watch's start is not shown)."""
    svg = snapshot.use_extension(SVGImageExtension)
    with isolated(tmp_path, monkeypatch):
        app = await build_app(clock_devnet.document, tmp_path)
        app.animation_level = "none"
        async with app.run_test(size=SIZES["80x24"]) as pilot:
            await open_view(pilot, "buy")
            await fill(pilot, "#buy-amount-input", "2.5")
            await pilot.press("ctrl+o")
            await until(pilot, lambda: isinstance(app.screen, PaymentLinkScreen), "the QR")
            app.clear_notifications()
            await settle_screen(pilot)
            assert svg == svg_of(app, clock_devnet)
            await pilot.press("escape")
            await wait_for_workers(pilot)


async def _import_dialog(pilot: Pilot[Any]) -> None:
    await pilot.press("i")
    await fill(pilot, "#import-name", "savings")
    await fill(pilot, "#import-key", "ab" * 32)  # shown masked


async def _remove_dialog(pilot: Pilot[Any]) -> None:
    await pilot.press("down", "down", "x")
    await fill(pilot, "#remove-confirm", "dev-")


DIALOGS = {"import": _import_dialog, "remove": _remove_dialog}


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("dialog", sorted(DIALOGS))
def test_account_dialog_looks(
    dialog: str,
    size: str,
    clock_devnet: RunningDevnet,
    snap_compare: SnapCompare,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with isolated(tmp_path, monkeypatch):
        app = build_app_sync(clock_devnet.document, tmp_path)

        async def show(pilot: Pilot[Any]) -> None:
            await open_view(pilot, "accounts")
            await DIALOGS[dialog](pilot)
            still_inputs(app)

        assert snap_compare(app, terminal_size=SIZES[size], run_before=show)
