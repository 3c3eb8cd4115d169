"""Token prices and the credit conversion rule of the credit service.

1 USD = 1 000 000 credits; ALEPH purchases earn a +20 % bonus, USDC and ETH none
(aleph-api.md §4.4). All arithmetic is Decimal and rounds credits down.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

CREDITS_PER_USD = 1_000_000


def plain_decimal(value: Decimal) -> str:
    """A decimal as the Credit API writes it: no exponent, no trailing zeros."""
    return format(value.normalize(), "f")


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

    def token(self, symbol: str) -> TokenPrice:
        try:
            return self.tokens[symbol.upper()]
        except KeyError:
            raise ValueError(f"unsupported token {symbol!r}: use ALEPH, USDC or ETH") from None

    def quote(self, symbol: str, token_units: int) -> CreditQuote:
        token = self.token(symbol)
        usd = Decimal(token_units).scaleb(-token.decimals) * token.usd
        base = int((usd * CREDITS_PER_USD).to_integral_value(ROUND_DOWN))
        bonus = int((base * token.bonus_ratio).to_integral_value(ROUND_DOWN))
        return CreditQuote(token, token_units, usd, base, bonus)

    def units_for_credits(self, symbol: str, credits: int) -> int:
        """Smallest token amount whose quote (bonus included) reaches ``credits``."""
        token = self.token(symbol)
        per_unit = token.usd * CREDITS_PER_USD * (1 + token.bonus_ratio)
        whole = Decimal(credits) / per_unit
        units = int(whole.scaleb(token.decimals).to_integral_value(ROUND_DOWN))
        while self.quote(symbol, units).credits < credits:
            units += 1
        return units
