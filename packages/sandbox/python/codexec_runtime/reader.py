"""Reading the host's frames: by the code's event loop while it waits, by a thread whenever the loop cannot.

A tool call awaited in the code costs a round trip to the host. If a thread read every answer, each would wake the
thread and then the loop through its self-pipe: two wake-ups and two handovers of the interpreter lock. So while
the top-level code runs its event loop, the loop watches the frame descriptor itself and reads answers between
its own tasks. The thread still reads when nobody else can: between runs, in plain code, while a blocking helper
waits for its answer, and when the loop has not come back to wait for input for ``STUCK_AFTER`` seconds (code
busy on the CPU). So a ``cancel`` always gets through, at most that much later while the code computes.

Reading and dispatching happen under one lock, so lines are split and handled in the order they came, whoever
reads them.
"""

from __future__ import annotations

import asyncio
import collections
import os
import select
import selectors
import threading
from collections.abc import Callable

# How long the loop may go without waiting for input before the thread reads in its place.
STUCK_AFTER = 0.01
_CHUNK = 1 << 20


class FrameReader:
    """Splits the frame descriptor into lines and hands each to ``dispatch``; ``on_end`` once at the end."""

    def __init__(
        self,
        fd: int,
        carry: bytes,
        dispatch: Callable[[bytes], None],
        on_end: Callable[[], None],
        diagnose: Callable[[str], None],
        stuck_after: float = STUCK_AFTER,
    ) -> None:
        self._fd = fd
        self._stuck_after_ms = stuck_after * 1000
        self._buffer = bytearray(carry)
        self._dispatch = dispatch
        self._on_end = on_end
        self._diagnose = diagnose
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._counter_lock = threading.Lock()
        self._lines: collections.deque[bytes] = collections.deque()
        # True while the main thread reads: an interrupt must wait for the next line of the code (``holds``).
        self.main_pumping = False
        self._ready = select.poll()
        self._ready.register(fd, select.POLLIN)
        self._wake_r, self._wake_w = os.pipe()
        self._ended = False
        # The loop that reads while it waits, and what the thread knows of it.
        self._loop: asyncio.AbstractEventLoop | None = None
        self.loop_waiting = False
        self.loop_waits = 0
        self._blocking_waits = 0

    # -- who reads --------------------------------------------------------------------------------------------

    def start(self) -> None:
        threading.Thread(target=self._run, name="codexec-frames", daemon=True).start()

    def new_loop(self) -> asyncio.AbstractEventLoop:
        """An event loop that reads frames while it waits for input (until ``detach``)."""
        loop = asyncio.SelectorEventLoop(_WatchedSelector(self))
        if not self._ended:
            loop.add_reader(self._fd, self._on_readable, loop)
            self._loop = loop
            self._wake()
        return loop

    def detach(self, loop: asyncio.AbstractEventLoop) -> None:
        """The loop stops reading (before it closes); the thread reads again."""
        if self._loop is loop:
            self._loop = None
            self._wake()
        try:
            loop.remove_reader(self._fd)
        except (ValueError, RuntimeError, OSError):
            pass

    def blocking_wait(self, waiting: bool) -> None:
        """A thread blocks until an answer comes: the reader thread must read, even while a loop runs."""
        with self._counter_lock:
            self._blocking_waits += 1 if waiting else -1
        if waiting and self._loop is not None:
            self._wake()

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"!")
        except OSError:
            pass

    def _loop_reads(self) -> bool:
        return self._loop is not None and self._blocking_waits == 0 and not self._ended

    # -- the thread -------------------------------------------------------------------------------------------

    def _run(self) -> None:
        poller = select.poll()
        poller.register(self._wake_r, select.POLLIN)
        poller.register(self._fd, select.POLLIN)
        watched = True
        waits_seen, stuck = -1, False
        try:
            while not self._ended:
                if self._loop_reads() and not stuck:
                    if watched:
                        poller.unregister(self._fd)
                        watched = False
                    waits_seen = self.loop_waits
                    events = poller.poll(self._stuck_after_ms)
                    # Neither waiting now nor since the last look: the loop is busy and reads nothing.
                    stuck = not events and not self.loop_waiting and self.loop_waits == waits_seen
                else:
                    if not watched:
                        poller.register(self._fd, select.POLLIN)
                        watched = True
                    # While the loop is there, look again now and then: it may have come back.
                    events = poller.poll(None if self._loop is None else self._stuck_after_ms)
                    if any(fd == self._fd for fd, _ in events):
                        self.pump(block=True)
                    if stuck and (self.loop_waiting or self.loop_waits != waits_seen or self._loop is None):
                        stuck = False
                if any(fd == self._wake_r for fd, _ in events):
                    os.read(self._wake_r, 4096)
        except Exception as error:
            self._diagnose(f"frame reader failed: {error!r}")
            self._end()

    # -- reading ----------------------------------------------------------------------------------------------

    def _on_readable(self, loop: asyncio.AbstractEventLoop) -> None:
        if os.getpid() != self._pid or self._ended:
            # A child forked from the code has the loop but must leave the channel to the runtime.
            loop.remove_reader(self._fd)
            return
        self.pump(block=False)

    def pump(self, *, block: bool) -> None:
        """Reads what is there and dispatches every whole line. Without ``block``, does nothing while another
        reader is at it (it takes what is there)."""
        if not self._lock.acquire(block):
            return
        main = threading.current_thread() is threading.main_thread()
        if main:
            self.main_pumping = True
        try:
            # Lines left by a reader that an exception stopped go first, in order.
            self._handle_lines()
            while not self._ended and self._ready.poll(0):
                try:
                    chunk = os.read(self._fd, _CHUNK)
                except InterruptedError:
                    continue
                except OSError as error:
                    self._diagnose(f"frame reader failed: {error!r}")
                    chunk = b""
                if not chunk:
                    if self._buffer:
                        self._lines.append(bytes(self._buffer))
                        self._buffer.clear()
                    self._handle_lines()
                    self._end()
                    return
                self._buffer += chunk
                end = self._buffer.rfind(b"\n")
                if end >= 0:
                    self._lines.extend(bytes(self._buffer[:end]).split(b"\n"))
                    del self._buffer[: end + 1]
                self._handle_lines()
                if len(chunk) < _CHUNK:
                    return
        finally:
            if main:
                self.main_pumping = False
            self._lock.release()

    def _handle_lines(self) -> None:
        """Handles the queued lines in order; one an exception interrupts leaves the rest queued."""
        while self._lines:
            self._handle(self._lines.popleft())

    def _handle(self, line: bytes) -> None:
        if not line.strip():
            return
        try:
            self._dispatch(line)
        except Exception as error:
            self._diagnose(f"a frame could not be handled: {error!r}")

    def _end(self) -> None:
        if self._ended:
            return
        self._ended = True
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self.detach, loop)
            except RuntimeError:
                pass
        self._on_end()


class _WatchedSelector(selectors.DefaultSelector):
    """The loop's selector, telling the reader when the loop waits for input."""

    def __init__(self, reader: FrameReader) -> None:
        super().__init__()
        self._reader = reader

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        reader = self._reader
        reader.loop_waiting = True
        try:
            return super().select(timeout)
        finally:
            reader.loop_waiting = False
            reader.loop_waits += 1
