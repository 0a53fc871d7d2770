"""Captures fd 1 and fd 2: each is pointed at a pipe whose reader thread turns the bytes into output frames.

Because the capture happens at the file-descriptor level, output of ``os.system``, subprocesses and C extensions
is captured too, and nothing the code writes can reach the frame channel (a dup of the original stdout).
"""

from __future__ import annotations

import codecs
import io
import os
import select
import threading
import time

from .channel import FrameSink
from .wire import OutputFrame, OutputKind

# Bytes read per frame. Below 64 KiB so that with up to 3 bytes of a character carried over from the previous read
# a frame never holds more than 64 KiB of output. The incremental decoder never splits a UTF-8 character.
CHUNK_BYTES = 65536 - 4


class OutputPump:
    """Owns one pipe whose write end is ``target_fd``; sends what arrives as ``{"type": kind, "data": ...}``."""

    def __init__(self, target_fd: int, kind: OutputKind, writer: FrameSink) -> None:
        self._kind: OutputKind = kind
        self._writer = writer
        read_fd, write_fd = os.pipe()
        os.dup2(write_fd, target_fd)
        os.close(write_fd)
        os.set_blocking(read_fd, False)
        self._read_fd = read_fd
        self._wake_read, self._wake_write = os.pipe()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._lock = threading.Lock()
        self._waiters: list[threading.Event] = []
        self._final = False
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name=f"codexec-{kind}", daemon=True)
        self._thread.start()

    def _emit(self, text: str) -> None:
        if text:
            try:
                frame: OutputFrame = {"type": self._kind, "data": text}
                self._writer.send(frame)
            except Exception:
                pass

    def _pump(self, final: bool = False) -> bool:
        """Reads until the pipe is empty. Returns False at end of file."""
        while True:
            try:
                data = os.read(self._read_fd, CHUNK_BYTES)
            except BlockingIOError:
                if final:
                    self._emit(self._decoder.decode(b"", final=True))
                return True
            except OSError:
                return False
            if not data:
                self._emit(self._decoder.decode(b"", final=True))
                return False
            self._emit(self._decoder.decode(data))

    def _run(self) -> None:
        poller = select.poll()
        poller.register(self._read_fd, select.POLLIN)
        poller.register(self._wake_read, select.POLLIN)
        open_pipe = True
        while True:
            for fd, _events in poller.poll():
                if fd == self._read_fd:
                    if not self._pump():
                        poller.unregister(self._read_fd)
                        open_pipe = False
                elif fd == self._wake_read:
                    os.read(self._wake_read, 4096)
                    with self._lock:
                        waiters, self._waiters = self._waiters, []
                        final, self._final = self._final, False
                    if open_pipe:
                        self._pump(final=final)
                    for waiter in waiters:
                        waiter.set()

    def drain(self, timeout: float = 5.0, final: bool = True) -> bool:
        """Returns once everything written to the target fd before this call has been sent as frames.

        ``final`` also flushes a multi-byte character cut short (as U+FFFD): for the end of an execute.
        """
        if os.getpid() != self._pid:
            return False  # a forked child has no pump thread
        waiter = threading.Event()
        with self._lock:
            self._waiters.append(waiter)
            self._final = self._final or final
        os.write(self._wake_write, b"x")
        return waiter.wait(timeout)


class CapturedText(io.TextIOWrapper):
    """sys.stdout / sys.stderr: line-buffered UTF-8 on fd 1 / fd 2.

    An explicit ``flush()`` (``print(..., flush=True)``) also waits until the pump has sent what was written, so
    the last words of a process that is killed right after (by the out-of-memory killer, say) are not lost while
    the pump thread waits for the GIL. At most one such wait per 50 ms, so flushing in a loop stays cheap.
    """

    pump: OutputPump | None = None
    _last_wait = 0.0

    def flush(self) -> None:
        super().flush()
        pump = self.pump
        if pump is not None:
            now = time.monotonic()
            if now - self._last_wait >= 0.05:
                self._last_wait = now
                pump.drain(timeout=1.0, final=False)


def text_stream(fd: int, pump: OutputPump | None = None) -> CapturedText:
    """A line-buffered UTF-8 text stream on ``fd`` that never closes it."""
    raw = io.FileIO(fd, "w", closefd=False)
    stream = CapturedText(io.BufferedWriter(raw), encoding="utf-8", errors="backslashreplace", line_buffering=True)
    stream.pump = pump
    return stream
