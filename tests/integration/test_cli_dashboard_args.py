"""``aleph-tui`` without a command skips building every command's parser: the quick parse
must read the dashboard's options exactly as the full parser does, and hand anything
else (a command, help, a mistake) to it."""

from __future__ import annotations

import pytest

from aleph_tui.cli import build_parser, dashboard_args


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--devnet"],
        ["--network", "devnet"],
        ["--network=mainnet", "--api-url", "http://127.0.0.1:1"],
        ["--rpc-url", "http://127.0.0.1:2", "--network", "devnet"],
        ["--net", "devnet"],  # argparse's abbreviations, as the full parser allows
    ],
)
def test_the_dashboard_options_read_as_the_full_parser_reads_them(argv: list[str]) -> None:
    quick = dashboard_args(argv)
    assert quick is not None
    assert vars(quick) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize(
    "argv",
    [
        ["account", "list"],
        ["--network", "devnet", "credit", "history", "0xabc"],
        ["-h"],
        ["--network", "devnet", "--help"],
        ["--no-such-option"],
        ["--network"],
        ["devnet"],
    ],
)
def test_anything_else_goes_to_the_full_parser(argv: list[str]) -> None:
    assert dashboard_args(argv) is None
