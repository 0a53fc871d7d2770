"""The frame channel: one writer shared by every thread, and the requests the runtime makes of the host.

Requests are correlated by id and many may be in flight at once. An awaited request waits on a future of its event
loop, settled in place when the loop itself read the answer (reader.py) and handed to the loop otherwise; a
blocking request waits on a ``concurrent.futures.Future``, so it works from plain code and from inside a running
loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import os
import threading
from collections.abc import Callable, Mapping
from typing import Protocol

from .errors import MCPError, ToolCallDenied
from .frames import encode_frame
from .wire import JsonObject, ResponseFrame, RuntimeFrame, is_object


class FrameSink(Protocol):
    """Where the runtime's frames go: the channel's writer (a test may give its own)."""

    def send(self, frame: RuntimeFrame) -> None: ...


class Asker(Protocol):
    """What the runtime's own helpers (memory, saved tools, attachments) need of the host: ``HostClient.ask``."""

    def ask(
        self,
        method: str,
        params: JsonObject,
        *,
        timeout: float,
        unsupported: str,
        raises: Mapping[str, type[Exception]],
        prefix: str = "",
    ) -> object: ...


class ChannelClosed(Exception):
    """The host is gone: the frame channel can no longer be written."""


# The longest line either side accepts (frame-protocol's DEFAULT_MAX_LINE_BYTES), newline excluded.
MAX_LINE_BYTES = 64 * 1024 * 1024


class FrameTooLarge(ValueError):
    """A frame would be longer than the peer accepts; nothing was sent."""


class FrameWriter:
    """Writes whole frames, one line each, under a lock. Silent in a forked child: only the runtime speaks."""

    def __init__(self, fd: int, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self._fd = fd
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self.max_line_bytes = max_line_bytes

    def send(self, frame: RuntimeFrame) -> None:
        if os.getpid() != self._pid:
            return
        line = encode_frame(frame)
        if len(line) - 1 > self.max_line_bytes:
            raise FrameTooLarge(
                f"a {frame.get('type')} frame of {len(line) - 1} bytes is over the limit of {self.max_line_bytes}"
            )
        data = memoryview(line)
        with self._lock:
            try:
                while data:
                    written = os.write(self._fd, data)
                    data = data[written:]
            except OSError as error:
                raise ChannelClosed(str(error)) from None


def error_from_response(error: object, *, server: str | None = None, tool: str | None = None) -> MCPError:
    fields: JsonObject = error if is_object(error) else {}
    code, message = fields.get("code"), fields.get("message")
    if code == "DENIED":
        data = fields.get("data")
        rule = data.get("rule") if is_object(data) else None
        return ToolCallDenied(
            str(message or "the host's policy refused the call"),
            rule=rule if isinstance(rule, str) else None,
            server=server,
            tool=tool,
        )
    return MCPError(
        str(message or "the host could not serve the request"),
        code=code if isinstance(code, str) else None,
        data=fields.get("data"),
        server=server,
        tool=tool,
    )


class _LoopAnswer:
    """An answer awaited in an event loop: settled in place from the loop's thread, else handed to the loop."""

    __slots__ = ("future", "loop", "thread")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.future: asyncio.Future[object] = loop.create_future()
        self.thread = threading.get_ident()

    def settle(self, result: object, error: BaseException | None) -> None:
        try:
            if threading.get_ident() == self.thread:
                _settle(self.future, result, error)
            else:
                self.loop.call_soon_threadsafe(_settle, self.future, result, error)
        except RuntimeError:
            pass  # the loop is closed: nobody waits any more


def _settle(future: asyncio.Future[object], result: object, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _settle_blocking(future: concurrent.futures.Future[object], result: object, error: BaseException | None) -> None:
    if future.done():
        return
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
    except concurrent.futures.InvalidStateError:
        pass


class HostClient:
    """Sends ``request`` frames and matches the host's ``response`` frames to them.

    ``blocking_wait(True)`` is called before a thread blocks for an answer and ``blocking_wait(False)`` after, so
    the frame reader knows someone must read even while an event loop runs (reader.py).
    """

    def __init__(self, writer: FrameSink, blocking_wait: Callable[[bool], None] | None = None) -> None:
        self._writer = writer
        self._blocking_wait = blocking_wait
        self._pending: dict[str, concurrent.futures.Future[object] | _LoopAnswer] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._closed: str | None = None
        self.calls = 0

    def _start(self, method: str, params: JsonObject, waiter: concurrent.futures.Future[object] | _LoopAnswer) -> str:
        request_id = f"c{next(self._ids)}"  # PROTOCOL.md: the runtime's ids are c1, c2, ...
        with self._lock:
            if self._closed is not None:
                raise MCPError(self._closed, code="CLOSED")
            self._pending[request_id] = waiter
        try:
            self._writer.send({"type": "request", "id": request_id, "method": method, "params": params})
        except FrameTooLarge as error:
            with self._lock:
                self._pending.pop(request_id, None)
            raise MCPError(f"{method}: the request is too large to send ({error})", code="FRAME_TOO_LARGE") from None
        if method == "tools/call":
            self.calls += 1
        return request_id

    def _withdraw(self, request_id: str, reason: str) -> None:
        with self._lock:
            withdrawn = self._pending.pop(request_id, None) is not None
        if withdrawn:
            try:
                self._writer.send({"type": "cancel", "id": request_id, "reason": reason})
            except ChannelClosed:
                pass

    async def request(self, method: str, params: JsonObject) -> object:
        """Awaits the host's answer. Cancelling the awaiting task withdraws the request (a ``cancel`` frame)."""
        answer = _LoopAnswer(asyncio.get_running_loop())
        request_id = self._start(method, params, answer)
        try:
            return await answer.future
        except asyncio.CancelledError:
            self._withdraw(request_id, "cancelled in the sandbox")
            raise

    def request_sync(self, method: str, params: JsonObject, timeout: float | None = None) -> object:
        """Blocks the calling thread until the host answers (or ``timeout`` seconds pass)."""
        future: concurrent.futures.Future[object] = concurrent.futures.Future()
        request_id = self._start(method, params, future)
        if self._blocking_wait is not None:
            self._blocking_wait(True)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            self._withdraw(request_id, "timed out in the sandbox")
            raise MCPError(f"{method} timed out after {timeout} s in the sandbox", code="TIMEOUT") from None
        except BaseException:
            if not future.done():
                self._withdraw(request_id, "interrupted in the sandbox")
            raise
        finally:
            if self._blocking_wait is not None:
                self._blocking_wait(False)

    def ask(
        self,
        method: str,
        params: JsonObject,
        *,
        timeout: float,
        unsupported: str,
        raises: Mapping[str, type[Exception]],
        prefix: str = "",
    ) -> object:
        """``request_sync`` for the runtime's own helpers (memory, saved tools, attachments): a host that does not
        serve the method is a RuntimeError saying ``unsupported``; an error code in ``raises`` becomes that Python
        exception with the host's message (after ``prefix``); any other error stays an MCPError."""
        try:
            return self.request_sync(method, params, timeout=timeout)
        except MCPError as error:
            if error.code == "UNKNOWN_METHOD":
                raise RuntimeError(unsupported) from None
            kind = raises.get(error.code) if error.code is not None else None
            if kind is not None:
                raise kind(f"{prefix}{error.message}") from None
            raise error.with_traceback(None) from None

    def resolve(self, frame: ResponseFrame) -> None:
        """Called by the frame reader for each ``response`` frame."""
        with self._lock:
            waiter = self._pending.pop(frame["id"], None)
        if waiter is None:
            return
        error = error_from_response(frame["error"]) if "error" in frame else None
        self._settle(waiter, frame.get("result"), error)

    @staticmethod
    def _settle(
        waiter: concurrent.futures.Future[object] | _LoopAnswer, result: object, error: BaseException | None
    ) -> None:
        if isinstance(waiter, _LoopAnswer):
            waiter.settle(result, error)
        else:
            _settle_blocking(waiter, result, error)

    def close(self, reason: str) -> None:
        """Fails every pending request: the channel ended."""
        with self._lock:
            self._closed = reason
            pending = list(self._pending.values())
            self._pending.clear()
        for waiter in pending:
            self._settle(waiter, None, MCPError(reason, code="CLOSED"))
