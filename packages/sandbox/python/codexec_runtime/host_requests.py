"""Asking the host from async code and from plain code alike, with one definition of each helper.

A helper that asks the host is a coroutine that asks through an ``Ask``. Awaited over ``awaiting(client)``, it
suspends until the reader thread resolves the request, as any I/O does. Run by ``run_blocking`` over
``blocking(client)``, each ask blocks the calling thread on the request's future and comes back with the answer in
hand, so the coroutine never suspends and finishes in one step: no event loop is needed, and none is disturbed when
plain code calls the helper from inside a running one (it blocks that loop's thread, as any blocking call does).
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Protocol, TypeVar

from .channel import HostClient
from .errors import MCPError
from .wire import JsonObject

# Blocking helpers give up after this long.
SYNC_TIMEOUT_SECONDS = 120.0

T = TypeVar("T")


class Ask(Protocol):
    """Sends one request to the host; the answer's ``result``, or MCPError with the host's ``error``."""

    def __call__(self, method: str, params: JsonObject, /) -> Coroutine[object, object, object]: ...


def awaiting(client: HostClient) -> Ask:
    """Asks that suspend the awaiting task until the host answers; cancelling the task withdraws the request."""

    async def ask(method: str, params: JsonObject) -> object:
        try:
            return await client.request(method, params)
        except MCPError as error:
            raise error.with_traceback(None) from None

    return ask


def blocking(client: HostClient) -> Ask:
    """Asks that block the calling thread until the host answers (``SYNC_TIMEOUT_SECONDS`` at most)."""

    async def ask(method: str, params: JsonObject) -> object:
        try:
            return client.request_sync(method, params, timeout=SYNC_TIMEOUT_SECONDS)
        except MCPError as error:
            raise error.with_traceback(None) from None

    return ask


def run_blocking(coroutine: Coroutine[object, object, T]) -> T:
    """The result of a coroutine whose every await is of a ``blocking`` ask: it ends at its first step."""
    try:
        coroutine.send(None)
    except StopIteration as finished:
        return finished.value
    coroutine.close()
    raise RuntimeError("a blocking helper suspended: it awaited something other than a blocking ask")
