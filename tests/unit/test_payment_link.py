"""The payment link's text forms: the EIP-681 URI and the QR code drawn in half blocks."""

from __future__ import annotations

import segno

from aleph_tui.core.flows.payment_link import eip681_uri, qr_lines

CONTRACT = "0x2F501daaEfFabf729bCa8e7c1c492807f625Fe20"
TOKEN = "0x1cfF3E858F784B0c93069b58BE56F30D18E032eF"


def test_eip681_uris_of_a_token_transfer_and_a_value_transfer() -> None:
    assert eip681_uri(1, CONTRACT, 2_000_000, TOKEN) == (
        f"ethereum:{TOKEN}@1/transfer?address={CONTRACT}&uint256=2000000"
    )
    assert eip681_uri(31337, CONTRACT, 10**15, None) == (
        f"ethereum:{CONTRACT}@31337?value=1000000000000000"
    )


def test_the_drawn_code_is_segnos_matrix_with_light_as_ink() -> None:
    uri = eip681_uri(1, CONTRACT, 2_000_000, TOKEN)
    lines = qr_lines(uri)
    matrix = [list(r) for r in segno.make(uri, error="l", boost_error=False).matrix_iter(border=2)]
    modules = {"█": (0, 0), "▀": (0, 1), "▄": (1, 0), " ": (1, 1)}  # (top, bottom) dark?
    drawn = [[modules[c][half] for c in line] for line in lines for half in (0, 1)]
    assert drawn[: len(matrix)] == matrix[: len(drawn)]
    assert len(drawn) >= len(matrix) - 1  # at most the last quiet row dropped
    assert all(len(line) == len(matrix[0]) for line in lines)
    # Fits an 80×24 terminal beside a line of text.
    assert len(lines) <= 23 and len(lines[0]) <= 78


def test_an_aleph_amounts_code_fits_24_lines_with_every_module_of_the_symbol() -> None:
    """18 decimals make a longer link: a version-7 code (45 modules and the quiet zone)
    took 25 lines, one more than an 80×24 terminal has."""
    uri = eip681_uri(31337, CONTRACT, 2_500_000_000_000_000_000, TOKEN)
    lines = qr_lines(uri)
    matrix = [list(r) for r in segno.make(uri, error="l", boost_error=False).matrix_iter(border=2)]
    modules = {"█": (0, 0), "▀": (0, 1), "▄": (1, 0), " ": (1, 1)}
    drawn = [[modules[c][half] for c in line] for line in lines for half in (0, 1)]
    assert len(lines) <= 24
    assert drawn == matrix[: len(drawn)] and len(drawn) >= len(matrix) - 1
    symbol = matrix[2:-2]  # the code without its quiet zone: all drawn
    assert drawn[2 : 2 + len(symbol)] == symbol
