"""Request and response models of the emulated CCN, mirroring pyaleph's.

Chains and message types are aleph-message's (``aleph_message.models``), the library
pyaleph validates with; the incoming messages themselves are checked in ``intake``.
Query parameters are validated with pydantic exactly like pyaleph does, so a bad
parameter yields the same 422 with pydantic's JSON error text.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from aleph_message.models import Chain, MessageType
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

LIST_SEPARATOR = ","


class ErrorCode(enum.IntEnum):
    INTERNAL = -1
    INVALID_FORMAT = 0
    INVALID_SIGNATURE = 1
    PERMISSION_DENIED = 2
    BALANCE_INSUFFICIENT = 5
    CREDIT_INSUFFICIENT = 6
    POST_AMEND_TARGET_NOT_FOUND = 101
    POST_AMEND_AMEND = 102


class SortOrder(enum.IntEnum):
    ASCENDING = 1
    DESCENDING = -1


class SortByCreditHistory(enum.StrEnum):
    MESSAGE_TIMESTAMP = "message_timestamp"
    EXPIRATION_DATE = "expiration_date"
    PAYMENT_METHOD = "payment_method"
    AMOUNT = "amount"
    ORIGIN = "origin"
    TX_HASH = "tx_hash"
    PROVIDER = "provider"


class CreditFlow(enum.StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


FloatDecimal = Annotated[
    Decimal, PlainSerializer(lambda x: float(x), return_type=float, when_used="always")
]


# --- balances -------------------------------------------------------------------------


class GetAccountQueryParams(BaseModel):
    chain: Chain | None = None
    include_credit_details: bool = False


class CreditBalanceDetailItem(BaseModel):
    expiration_date: dt.datetime | None = None
    amount: int


class GetAccountBalanceResponse(BaseModel):
    address: str
    balance: FloatDecimal
    details: dict[str, FloatDecimal] | None = None
    locked_amount: FloatDecimal
    credit_balance: int = 0
    credit_balance_details: list[CreditBalanceDetailItem] | None = None


# --- credit history -------------------------------------------------------------------


class CreditHistoryFilterParams(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    tx_hash: str | None = None
    token: str | None = None
    chain: str | None = None
    provider: str | None = None
    origin: str | None = None
    origin_ref: str | None = None
    payment_method: str | None = None
    has_expiration: bool | None = None
    exclude_payment_method: list[str] | None = None
    start_date: dt.datetime | None = Field(default=None, alias="startDate")
    end_date: dt.datetime | None = Field(default=None, alias="endDate")
    direction: CreditFlow | None = None
    resource_types: list[MessageType] | None = Field(default=None, alias="resourceTypes")
    resource: str | None = None

    @field_validator("exclude_payment_method", "resource_types", mode="before")
    @classmethod
    def split_comma_separated(cls, v: Any) -> Any:
        if isinstance(v, str):
            return v.split(LIST_SEPARATOR)
        return v

    @field_validator("start_date", "end_date", mode="before")
    @classmethod
    def epoch_seconds_to_datetime(cls, v: Any) -> dt.datetime | None:
        if v is None:
            return None
        value = float(v)
        if value < 0:
            raise ValueError("timestamp must not be negative")
        try:
            return dt.datetime.fromtimestamp(value, tz=dt.UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise ValueError(f"invalid Unix timestamp: {v}") from exc

    @model_validator(mode="after")
    def validate_date_range(self) -> CreditHistoryFilterParams:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end date cannot be lower than start date.")
        return self


class GetAccountCreditHistoryQueryParams(CreditHistoryFilterParams):
    pagination: int = Field(default=0, ge=0)
    page: int = Field(default=1, ge=1)
    cursor: str | None = None
    sort_by: SortByCreditHistory = SortByCreditHistory.MESSAGE_TIMESTAMP
    sort_order: SortOrder = SortOrder.DESCENDING


class CreditHistoryResponseItem(BaseModel):
    amount: int
    price: Decimal | None = None
    bonus_amount: int | None = None
    tx_hash: str | None = None
    token: str | None = None
    chain: str | None = None
    provider: str | None = None
    origin: str | None = None
    origin_ref: str | None = None
    payment_method: str | None = None
    credit_ref: str
    credit_index: int
    expiration_date: dt.datetime | None = None
    message_timestamp: dt.datetime
    expense_count: int | None = None
    expense_size_mib: Decimal | None = None


class GetAccountCreditHistoryResponse(BaseModel):
    address: str
    credit_history: list[CreditHistoryResponseItem]
    pagination_page: int
    pagination_total: int
    pagination_per_page: int


class GetAccountCreditHistoryCursorResponse(BaseModel):
    address: str
    credit_history: list[CreditHistoryResponseItem]
    pagination_per_page: int
    next_cursor: str | None


class GetAccountCreditHistorySummaryResponse(BaseModel):
    address: str
    entry_count: int
    total_amount: int
    total_incoming: int
    total_outgoing: int


# --- messages -------------------------------------------------------------------------


class PubMessageRequest(BaseModel):
    sync: bool = False
    message: dict[str, Any]


def _positive_int(v: object) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise ValueError(f"amount must be an integer, got {type(v).__name__}")
    return v


def _non_empty(v: str) -> str:
    if not v.strip():
        raise ValueError("address must not be empty")
    return v


def _decimal_string(v: object) -> object:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return str(v)
    return v


def _check_decimal(v: str | None) -> str | None:
    if v is not None:
        try:
            Decimal(v)
        except InvalidOperation:
            raise ValueError(f"price must be a valid decimal string, got {v!r}") from None
    return v


class CreditTransferEntry(BaseModel):
    address: Annotated[str, Field()]
    amount: int = Field(gt=0)
    expiration: int | None = None

    _address = field_validator("address")(_non_empty)
    _amount = field_validator("amount", mode="before")(_positive_int)


class CreditTransferList(BaseModel):
    credits: list[CreditTransferEntry] = Field(min_length=1)


class CreditTransferContent(BaseModel):
    transfer: CreditTransferList

    @model_validator(mode="after")
    def no_duplicate_recipients(self) -> CreditTransferContent:
        addresses = [e.address for e in self.transfer.credits]
        if len(addresses) != len(set(addresses)):
            raise ValueError("Duplicate recipient addresses are not allowed in a single transfer")
        return self


class CreditDistributionEntry(BaseModel):
    address: str
    amount: int = Field(gt=0)
    price: str
    tx_hash: str
    provider: str
    expiration: int | None = None
    origin: str | None = None
    ref: str | None = None
    payment_method: str | None = None
    bonus_amount: Any = None

    _address = field_validator("address")(_non_empty)
    _amount = field_validator("amount", mode="before")(_positive_int)
    _price_str = field_validator("price", mode="before")(_decimal_string)
    _price = field_validator("price")(_check_decimal)


class CreditDistributionList(BaseModel):
    credits: list[CreditDistributionEntry] = Field(min_length=1)
    token: str
    chain: str


class CreditDistributionContent(BaseModel):
    distribution: CreditDistributionList


class CreditExpenseEntry(BaseModel):
    address: str
    amount: int = Field(gt=0)
    ref: str | None = None
    execution_id: str | None = None
    node_id: str | None = None
    price: str | None = None
    time: float | None = None
    count: int | None = Field(default=None, ge=0)
    size: Decimal | None = Field(default=None, ge=0)

    _address = field_validator("address")(_non_empty)
    _amount = field_validator("amount", mode="before")(_positive_int)
    _price_str = field_validator("price", mode="before")(_decimal_string)
    _price = field_validator("price")(_check_decimal)


class CreditExpenseList(BaseModel):
    credits: list[CreditExpenseEntry] = Field(min_length=1)


class CreditExpenseContent(BaseModel):
    expense: CreditExpenseList
