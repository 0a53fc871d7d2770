"""Entry point: take over stdio, say hello, then serve ``execute`` frames until the host goes away."""

from __future__ import annotations

import io
import json
import os
import platform
import queue
import signal
import sys
import threading
import time
import types

from . import PROTOCOL_REVISION, PROTOCOL_VERSION
from .api import SandboxApi
from .channel import MAX_LINE_BYTES, ChannelClosed, FrameTooLarge, FrameWriter, HostClient
from .limits import enforce, requested_limits
from .executor import CODE_FILENAME, Interrupter, fresh_main_module, run_cell
from .skills import SkillLoader
from .frames import HOST_TO_RUNTIME, FrameError, parse_frame
from .output import OutputPump, text_stream
from .reader import FrameReader
from .wire import DoneFrame, ErrorReport, ExecuteFrame, HelloFrame, RequestFrame, ResponseFrame, is_object


def _take_buffered_stdin() -> bytes:
    """Bytes the bootstrap's buffered reader already holds beyond the runtime source (normally none)."""
    stream: io.BufferedReader | None = getattr(sys.stdin, "buffer", None)
    if stream is None:
        return b""
    try:
        os.set_blocking(0, False)
        try:
            data = stream.read1(1 << 20)
        except (BlockingIOError, ValueError, OSError):
            data = b""
        return data or b""
    finally:
        os.set_blocking(0, True)


def _max_line_bytes() -> int:
    """The host's line limit, passed in the environment (and removed from it: the code does not need it)."""
    raw = os.environ.pop("CODEXEC_MAX_LINE_BYTES", "")
    try:
        value = int(raw)
    except ValueError:
        return MAX_LINE_BYTES
    return value if value > 0 else MAX_LINE_BYTES


def _frame_fd() -> int | None:
    """The socket the engine passed for frames (``CODEXEC_FRAME_FD``), or None to speak over stdin and stdout."""
    raw = os.environ.pop("CODEXEC_FRAME_FD", "")
    if not raw.isdigit():
        return None
    fd = int(raw)
    try:
        os.fstat(fd)
    except OSError:
        return None
    # A non-inheritable copy: processes the code starts must not hold (or write to) the channel.
    channel = os.dup(fd)
    os.close(fd)
    os.set_blocking(channel, True)
    return channel


class Runtime:
    def __init__(self) -> None:
        carry = _take_buffered_stdin()
        # The frame channel: the socket the engine passed, else stdin and a dup of the original stdout. Code gets
        # /dev/null as stdin and pipes as fd 1 and fd 2, so nothing it reads or writes through the usual descriptors
        # touches the channel.
        frame_fd = _frame_fd()
        if frame_fd is None:
            self.frame_in = os.dup(0)
            self.frame_out = os.dup(1)
        else:
            self.frame_in = self.frame_out = frame_fd
            carry = b""
        self.diagnostics = os.dup(2)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.close(devnull)
        self.writer = FrameWriter(self.frame_out, max_line_bytes=_max_line_bytes())
        self.stdout_pump = OutputPump(1, "stdout", self.writer)
        self.stderr_pump = OutputPump(2, "stderr", self.writer)
        sys.stdin = sys.__stdin__ = open(0, "r", closefd=False)
        sys.stdout = sys.__stdout__ = text_stream(1, self.stdout_pump)
        sys.stderr = sys.__stderr__ = text_stream(2, self.stderr_pump)
        self.stdout, self.stderr = sys.stdout, sys.stderr
        self.reader = FrameReader(self.frame_in, carry, self.dispatch, self._channel_ended, self.diagnose)
        self.client = HostClient(self.writer, self.reader.blocking_wait)
        # No interrupt while the main thread reads frames for the loop: it would cut a frame in half.
        self.interrupter = Interrupter(holds=lambda: self.reader.main_pumping)
        self.interrupter.install()
        self.executes: queue.Queue[ExecuteFrame | None] = queue.Queue()
        self.busy_lock = threading.Lock()
        self.busy = False
        self.pid = os.getpid()
        # The namespace of persistent executes (a session's state), made by the first one.
        self.session_module: types.ModuleType | None = None
        self.session_runs = 0
        self.skills = SkillLoader()
        self.requested_limits = requested_limits()

    def diagnose(self, message: str) -> None:
        try:
            os.write(self.diagnostics, f"codexec-runtime: {message}\n".encode("utf-8", "replace"))
        except OSError:
            pass

    # -- frames from the host (read by the reader's thread, or by the code's event loop) --------------------------

    def _channel_ended(self) -> None:
        self.client.close("the host closed the channel")
        self.executes.put(None)

    def dispatch(self, line: bytes) -> None:
        try:
            frame = parse_frame(line, HOST_TO_RUNTIME)
        except FrameError as error:
            self.diagnose(f"ignored a frame from the host ({error.code}): {error}")
            self._refuse_execute(line, error)
            return
        if frame["type"] == "execute":
            with self.busy_lock:
                busy, self.busy = self.busy, True
            if busy:
                # One execute at a time (PROTOCOL.md section 4): refuse the second, keep running the first.
                self.writer.send(self._refusal(frame["id"], "an execute is already running; wait for its done"))
            else:
                self.executes.put(frame)
        elif frame["type"] == "response":
            self.client.resolve(frame)
        elif frame["type"] == "cancel":
            self.interrupter.cancel(frame["id"])
        else:
            self._answer(frame)

    @staticmethod
    def _refusal(execute_id: str, why: str) -> DoneFrame:
        return {
            "type": "done", "id": execute_id, "status": "error", "calls": 0,
            "error": {"type": "ProtocolError", "message": f"the runtime refused the execute: {why}"},
        }

    def _refuse_execute(self, line: bytes, error: FrameError) -> None:
        # An unreadable execute still gets a `done`, and an unreadable request an answer, so the host does not wait
        # for nothing.
        try:
            frame: object = json.loads(line)
        except ValueError:
            return
        frame_id = frame.get("id") if is_object(frame) else None
        if not is_object(frame) or not isinstance(frame_id, str) or not frame_id:
            return
        if frame.get("type") == "execute":
            self.writer.send(self._refusal(frame_id, f"it could not be read ({error})"))
        elif frame.get("type") == "request":
            self.writer.send({
                "type": "response", "id": frame_id,
                "error": {"code": "INVALID_PARAMS", "message": f"the runtime could not read the request: {error}"},
            })

    def _answer(self, frame: RequestFrame) -> None:
        reply: ResponseFrame
        if frame["method"] == "ping":
            reply = {"type": "response", "id": frame["id"], "result": {}}
        else:
            reply = {
                "type": "response", "id": frame["id"],
                "error": {"code": "UNKNOWN_METHOD", "message": f"the runtime has no method {frame['method']!r}"},
            }
        self.writer.send(reply)

    # -- main thread -------------------------------------------------------------------------------------------

    def execute(self, frame: ExecuteFrame) -> DoneFrame:
        calls_before = self.client.calls
        api = SandboxApi(frame, self.client)
        package = api.install_modules()
        persist = bool(frame.get("persist"))
        filename = CODE_FILENAME
        if persist:
            if self.session_module is None:
                self.session_module = fresh_main_module()
            module = self.session_module
            sys.modules["__main__"] = module
            self.session_runs += 1
            filename = f"<cell {self.session_runs}>"
        else:
            module = fresh_main_module()
        module.__dict__.update(api.namespace(package))
        self.skills.install(frame.get("skills") or [], api, module.__dict__, keep_user_names=persist)
        status, value, error = run_cell(
            frame["code"], module.__dict__, self.interrupter, frame["id"], filename,
            new_loop=self.reader.new_loop, end_loop=self.reader.detach,
        )
        if os.getpid() != self.pid:
            # The code forked and this is the child finishing the cell: it must not speak for the runtime.
            self._flush()
            os._exit(0 if status == "success" else 1)
        self._flush()
        calls = self.client.calls - calls_before
        done: DoneFrame = {"type": "done", "id": frame["id"], "status": status, "calls": calls}
        if value is not None:
            done["value"] = value
        if error is not None:
            done["error"] = error
        return done

    def _reap_strays(self) -> None:
        """Kills every other process of the container and reaps them (only as PID 1, the container's init)."""
        if self.pid != 1:
            return
        for _ in range(100):
            others = [name for name in os.listdir("/proc") if name.isdigit() and int(name) != 1]
            if not others:
                return
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
            while True:
                try:
                    pid, _status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
            time.sleep(0.01)
        self.diagnose("processes left by an interrupted run could not all be killed")

    def _flush(self) -> None:
        for stream in {id(s): s for s in (sys.stdout, sys.stderr, self.stdout, self.stderr)}.values():
            try:
                stream.flush()
            except Exception:
                pass
        if os.getpid() == self.pid:
            self.stdout_pump.drain()
            self.stderr_pump.drain()

    def serve(self) -> None:
        # Every thread of the runtime starts before the limits apply: with the process limit as an rlimit, counted
        # per user, another container's fork bomb could otherwise keep this one from starting its reader.
        self.reader.start()
        hello: HelloFrame = {
            "type": "hello", "protocol": PROTOCOL_VERSION, "revision": PROTOCOL_REVISION,
            "python": platform.python_version(), "pid": os.getpid(),
        }
        try:
            limits = enforce(self.requested_limits)
        except Exception as error:
            self.diagnose(f"could not read or apply the limits: {error!r}")
            limits = None
        if limits is not None:
            hello["limits"] = limits
        self.writer.send(hello)
        while True:
            try:
                frame = self.executes.get()
            except KeyboardInterrupt:
                continue
            if frame is None:
                return
            done: DoneFrame
            try:
                done = self.execute(frame)
            except KeyboardInterrupt:
                done = {
                    "type": "done", "id": frame["id"], "status": "error", "calls": 0,
                    "error": {"type": "Cancelled", "message": "the run was cancelled by the host"},
                }
            except Exception as error:
                done = {
                    "type": "done", "id": frame["id"], "status": "error", "calls": 0,
                    "error": {"type": "RuntimeFailure", "message": f"the sandbox runtime failed: {error!r}"},
                }
            # Whatever escaped the cell, no interrupt of it may reach the next one.
            self.interrupter.end()
            if self.interrupter.cancelled:
                # An interrupted run may leave processes behind (a fork bomb, a stuck subprocess): in a session
                # they would outlive it and eat the process limit.
                self._reap_strays()
            with self.busy_lock:
                self.busy = False
            self.send_done(done)

    def send_done(self, done: DoneFrame) -> None:
        try:
            self.writer.send(done)
        except FrameTooLarge as error:
            # Only a gigantic error message can get here (values are capped): keep the start of it.
            reduced: DoneFrame = {"type": "done", "id": done["id"], "status": done["status"], "calls": done["calls"]}
            if "error" in done:
                cut: ErrorReport = {
                    "type": done["error"]["type"],
                    "message": done["error"]["message"][:100_000] + f"... [cut: {error}]",
                }
                reduced["error"] = cut
            self.writer.send(reduced)


def main() -> None:
    try:
        Runtime().serve()
    except ChannelClosed:
        pass
    # Threads the code left running must not keep the container alive once the host is gone.
    os._exit(0)
