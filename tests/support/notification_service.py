"""A minimal org.freedesktop.Notifications service on the session D-Bus, which records
every Notify call: what a desktop's notification daemon receives, for the tests of the
dashboard's desktop notifications. Built with dbus-fast, which desktop-notifier uses.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Annotated

from dbus_fast import BusType, NameFlag, RequestNameReply, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import (
    DBusDict,
    DBusInt32,
    DBusSignature,
    DBusStr,
    DBusUInt32,
)
from dbus_fast.service import ServiceInterface, dbus_method, dbus_signal

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"

DBusStrs = Annotated[list[str], DBusSignature("as")]
ServerInfo = Annotated[list[str], DBusSignature("ssss")]


@dataclass(frozen=True)
class Notice:
    app_name: str
    summary: str
    body: str
    urgency: int | None
    expire_timeout: int


@dataclass
class Recorder:
    notices: list[Notice] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)


class Notifications(ServiceInterface):
    """The methods desktop-notifier calls, per the Desktop Notifications Specification."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(NAME)
        self.recorder = recorder
        self._next_id = 0

    @dbus_method()
    def GetCapabilities(self) -> DBusStrs:
        return ["body"]

    @dbus_method()
    def GetServerInformation(self) -> ServerInfo:
        return ["aleph-tui-test", "aleph-tui", "1", "1.2"]

    @dbus_method()
    def Notify(
        self,
        app_name: DBusStr,
        replaces_id: DBusUInt32,
        app_icon: DBusStr,
        summary: DBusStr,
        body: DBusStr,
        actions: DBusStrs,
        hints: DBusDict,
        expire_timeout: DBusInt32,
    ) -> DBusUInt32:
        urgency = hints.get("urgency")
        level = urgency.value if isinstance(urgency, Variant) else None
        self.recorder.notices.append(Notice(app_name, summary, body, level, expire_timeout))
        self.recorder.arrived.set()
        self._next_id += 1
        return self._next_id

    @dbus_signal()
    def NotificationClosed(self) -> Annotated[list[int], DBusSignature("uu")]:
        return [0, 0]

    @dbus_signal()
    def ActionInvoked(self) -> Annotated[list[object], DBusSignature("us")]:
        return [0, ""]


class NameTaken(Exception):
    """Another notification service owns the name on this bus."""


async def start(recorder: Recorder) -> MessageBus:
    """The service exported on the session bus, owning the well-known name. Raises
    OSError/ValueError/DBusError when there is no session bus, NameTaken when another
    service has the name."""
    bus = await MessageBus(bus_type=BusType.SESSION).connect()
    bus.export(PATH, Notifications(recorder))
    reply = await bus.request_name(NAME, NameFlag.DO_NOT_QUEUE)
    if reply != RequestNameReply.PRIMARY_OWNER:
        bus.disconnect()
        raise NameTaken(f"{NAME} is already owned on this bus ({reply.name})")
    return bus
