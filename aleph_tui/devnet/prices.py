"""Token prices and the credit conversion rule of the credit service.

1 USD = 1 000 000 credits; ALEPH purchases earn a +20 % bonus, USDC and ETH none
(aleph-api.md §4.4). All arithmetic is Decimal and rounds credits down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

CREDITS_PER_USD = 1_000_000


@dataclass(frozen=True)
class TokenPrice:
    symbol: str
    decimals: int
    usd: Decimal
    bonus_ratio: Decimal


@dataclass(frozen=True)
class CreditQuote:
    token: TokenPrice
    token_units: int
    usd: Decimal
    base_credits: int
    bonus_credits: int

    @property
    def credits(self) -> int:
        return self.base_credits + self.bonus_credits


class PriceBook:
    def __init__(self, aleph_usd: Decimal, eth_usd: Decimal) -> None:
        self.tokens = {
            "ALEPH": TokenPrice("ALEPH", 18, aleph_usd, Decimal("0.2")),
            "USDC": TokenPrice("USDC", 6, Decimal(1), Decimal(0)),
            "ETH": TokenPrice("ETH", 18, eth_usd, Decimal(0)),
        }

    def set_usd(self, symbol: str, usd: Decimal) -> TokenPrice:
        """Move a token's price, as the market moves the real service's (USDC is pegged)."""
        token = self.token(symbol)
        if token.symbol == "USDC":
            raise ValueError("USDC is pegged to 1 USD")
        if not usd.is_finite() or usd <= 0:
            raise ValueError("usd must be a positive number")
        self.tokens[token.symbol] = moved = TokenPrice(
            token.symbol, token.decimals, usd, token.bonus_ratio
        )
        return moved

    def token(self, symbol: str) -> TokenPrice:
        try:
            return self.tokens[symbol.upper()]
        except KeyError:
            raise ValueError(f"unsupported token {symbol!r}: use ALEPH, USDC or ETH") from None

    def quote(self, symbol: str, token_units: int) -> CreditQuote:
        token = self.token(symbol)
        usd = Decimal(token_units).scaleb(-token.decimals) * token.usd
        # Exact rationals: Decimal's 28 digits would round large amounts.
        base = math.floor(token_units * _credits_per_unit(token))
        bonus = math.floor(base * Fraction(token.bonus_ratio))
        return CreditQuote(token, token_units, usd, base, bonus)

    def units_for_credits(self, symbol: str, credits: int) -> int:
        """Smallest token amount whose quote (bonus included) reaches ``credits``."""
        token = self.token(symbol)
        if credits <= 0:
            return 0
        # Smallest base b with b + floor(b * ratio) >= credits; that sum grows with b.
        ratio = Fraction(token.bonus_ratio)
        base = math.ceil(credits / (1 + ratio))
        while base > 0 and (base - 1) + math.floor((base - 1) * ratio) >= credits:
            base -= 1
        while base + math.floor(base * ratio) < credits:
            base += 1
        # Smallest amount with floor(units * credits_per_unit) >= base.
        return math.ceil(base / _credits_per_unit(token))


def _credits_per_unit(token: TokenPrice) -> Fraction:
    """Credits (before bonus) bought by one base unit of ``token``."""
    return Fraction(token.usd) * CREDITS_PER_USD / Fraction(10**token.decimals)
