"""Running one piece of code like a REPL cell: top-level await, the value of the last expression, clean errors."""

from __future__ import annotations

import ast
import asyncio
import builtins
import inspect
import json
import linecache
import os
import signal
import sys
import threading
import traceback
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, NoReturn

from .wire import ErrorReport, ValueReport

if TYPE_CHECKING:
    from _typeshed import TraceFunction

Status = Literal["success", "error"]

CODE_FILENAME = "<code>"
_VALUE_NAME = "__codexec_value__"
# The value's repr and JSON are capped so one huge value cannot make a frame the host refuses.
MAX_VALUE_CHARS = 1_000_000
# Set when the runtime runs from files (its unit tests); sent over stdin it has no __file__.
_RUNTIME_DIR: str | None = os.path.dirname(os.path.abspath(globals()["__file__"])) if "__file__" in globals() else None


def is_runtime_frame(filename: str) -> bool:
    """Frames of the runtime itself (and of the bootstrap) are dropped from the tracebacks code sees."""
    return (
        filename.startswith("<codexec-runtime")
        or filename == "<string>"
        or (_RUNTIME_DIR is not None and filename.startswith(_RUNTIME_DIR + os.sep))
    )


def kill_others() -> None:
    """As the container's init (PID 1), kills every other process in it: what a cancelled run started (a fork
    bomb's processes would starve the runtime of CPU and of the process limit while it tries to stop the code)."""
    if os.getpid() != 1:
        return
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass


def is_code_frame(filename: str) -> bool:
    """Frames of the code itself: a run's (``<code>``, ``<cell N>``) or a saved tool's (``<skill name>``)."""
    return filename == CODE_FILENAME or filename.startswith(("<cell ", "<skill "))


def _filter_traceback(te: traceback.TracebackException, seen: set[int] | None = None) -> None:
    seen = set() if seen is None else seen
    if id(te) in seen:
        return
    seen.add(id(te))
    te.stack = traceback.StackSummary.from_list([f for f in te.stack if not is_runtime_frame(f.filename)])
    for child in (te.__cause__, te.__context__):
        if child is not None:
            _filter_traceback(child, seen)
    # Exception groups (3.11+) keep their members in ``exceptions``.
    members: list[traceback.TracebackException] = getattr(te, "exceptions", None) or []
    for child in members:
        _filter_traceback(child, seen)


def describe_error(error: BaseException) -> ErrorReport:
    """``{type, message, traceback}`` of an exception, the runtime's own frames removed."""
    te = traceback.TracebackException(type(error), error, error.__traceback__)
    _filter_traceback(te)
    try:
        message = str(error)
    except Exception:
        message = f"<unprintable {type(error).__name__}>"
    return {"type": type(error).__qualname__, "message": message, "traceback": "".join(te.format())}


def _capped(text: str) -> str:
    if len(text) <= MAX_VALUE_CHARS:
        return text
    return f"{text[:MAX_VALUE_CHARS]}... [value truncated: {len(text) - MAX_VALUE_CHARS} more characters]"


def describe_value(value: object) -> ValueReport:
    """``{repr, json?}`` of the last expression's value. ``json`` only when it is JSON and not too large."""
    try:
        text = repr(value)
    except Exception as error:
        text = f"<{type(value).__name__} whose repr() failed: {error!r}>"
    result: ValueReport = {"repr": _capped(text)}
    try:
        encoded = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return result
    if len(encoded) <= MAX_VALUE_CHARS:
        result["json"] = json.loads(encoded)
    return result


def compile_cell(code: str, filename: str = CODE_FILENAME) -> types.CodeType:
    """Compiles code so that top-level ``await`` works and a trailing expression's value is kept."""
    tree = ast.parse(code, filename, "exec")
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body[-1]
        assign = ast.Assign(targets=[ast.Name(id=_VALUE_NAME, ctx=ast.Store())], value=last.value)
        tree.body[-1] = ast.copy_location(assign, last)
        ast.fix_missing_locations(tree)
    return compile(tree, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.wait(pending, timeout=1.0))
    loop.run_until_complete(loop.shutdown_asyncgens())


def _trace_nothing(frame: types.FrameType, event: str, arg: object) -> None:
    """A global trace function that traces no frame: it only makes the interpreter honour ``f_trace``."""
    return None


class Interrupter:
    """Lets the reader thread interrupt the code running on the main thread (a ``cancel`` of the execute)."""

    def __init__(self, holds: Callable[[], bool] = lambda: False) -> None:
        # While ``holds()`` is true an interrupt is not raised: the repeating alarm raises it a moment later.
        self._holds = holds
        self._main = threading.main_thread().ident
        self._lock = threading.Lock()
        self._running: str | None = None
        self._task: asyncio.Task[object] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.cancelled = False

    def install(self) -> None:
        signal.signal(signal.SIGINT, self._on_sigint)
        signal.signal(signal.SIGALRM, self._on_alarm)

    def _on_sigint(self, signum: int, frame: types.FrameType | None) -> None:
        if self._running is not None:
            if self._holds():
                self._repeat(0.01)
                return
            self._interrupt(frame)

    def _on_alarm(self, signum: int, frame: types.FrameType | None) -> None:
        # Repeated while a cancelled execute runs: one KeyboardInterrupt can be swallowed (raised inside a hook
        # that ignores exceptions, such as os.fork()'s), or caught by the code, and the code must still stop.
        if self._running is not None and self.cancelled and not self._holds():
            kill_others()
            self._interrupt(frame)

    @staticmethod
    def _interrupt(frame: types.FrameType | None) -> NoReturn:
        """Raises KeyboardInterrupt now, and again at the next line of the code's own innermost frame.

        Raised in library code, it reaches the code as usual; raised in a hook that swallows exceptions (after a
        fork, in a destructor), it would be lost, so the code's frame is also traced until it runs a line.
        """
        target = frame
        while target is not None and not is_code_frame(target.f_code.co_filename):
            target = target.f_back
        if target is not None and target is not frame:

            def at_next_line(traced: types.FrameType, event: str, arg: object) -> TraceFunction:
                if traced is target and event == "line":
                    traced.f_trace = None
                    sys.settrace(None)
                    raise KeyboardInterrupt
                return at_next_line

            target.f_trace = at_next_line
            target.f_trace_lines = True
            sys.settrace(_trace_nothing)
        raise KeyboardInterrupt

    @staticmethod
    def _repeat(first: float, every: float = 0.05) -> None:
        # An interval timer needs no thread: after the code used up the process limit none can be started.
        try:
            signal.setitimer(signal.ITIMER_REAL, first, every if first else 0)
        except (OSError, ValueError):
            pass

    def begin(self, execute_id: str) -> None:
        with self._lock:
            self._running = execute_id
            self.cancelled = False

    def attach(self, loop: asyncio.AbstractEventLoop, task: asyncio.Task[object]) -> None:
        with self._lock:
            self._loop, self._task = loop, task

    def end(self) -> None:
        with self._lock:
            self._running = self._task = self._loop = None
        self._repeat(0)
        sys.settrace(None)

    def cancel(self, execute_id: str) -> None:
        with self._lock:
            if execute_id != self._running:
                return
            self.cancelled = True
            loop, task = self._loop, self._task
        kill_others()
        if loop is not None and task is not None:
            # Cancelling the task is the polite way; a loop that never yields gets a signal shortly after, and
            # again every quarter second until the code stops.
            loop.call_soon_threadsafe(task.cancel)
        else:
            self._signal(execute_id)
        self._repeat(0.25)

    def _signal(self, execute_id: str) -> None:
        with self._lock:
            if execute_id != self._running:
                return
        if self._main is not None:
            signal.pthread_kill(self._main, signal.SIGINT)


def run_cell(
    code: str,
    namespace: dict[str, object],
    interrupter: Interrupter,
    execute_id: str,
    filename: str = CODE_FILENAME,
    *,
    new_loop: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop,
    end_loop: Callable[[asyncio.AbstractEventLoop], None] = lambda loop: None,
) -> tuple[Status, ValueReport | None, ErrorReport | None]:
    """Runs code in ``namespace``; returns ``(status, value, error)`` as the ``done`` frame carries them.

    ``filename`` names the code in tracebacks and in ``linecache``: a session gives each run its own (``<cell 3>``),
    so the source of a function an earlier run defined stays readable (``inspect.getsource``, ``save_tool``).
    Top-level ``await`` runs in a loop from ``new_loop``, given to ``end_loop`` before it closes.
    """
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    interrupter.begin(execute_id)
    try:
        try:
            compiled = compile_cell(code, filename)
        except SyntaxError as error:
            return "error", None, describe_error(error)
        loop: asyncio.AbstractEventLoop | None = None
        try:
            outcome: object = eval(compiled, namespace)
            if inspect.iscoroutine(outcome):
                loop = new_loop()
                asyncio.set_event_loop(loop)
                task = loop.create_task(outcome)
                interrupter.attach(loop, task)
                loop.run_until_complete(task)
        except SystemExit as error:
            code_value = error.code
            if code_value is None or code_value == 0:
                return "success", None, None
            described = describe_error(error)
            described["message"] = (
                f"the code called exit({code_value!r}): a non-zero exit status"
                if isinstance(code_value, int)
                else f"the code called exit() with a message: {code_value}"
            )
            return "error", None, described
        except (KeyboardInterrupt, asyncio.CancelledError) as error:
            described = describe_error(error)
            if interrupter.cancelled:
                described["type"] = "Cancelled"
                described["message"] = "the run was cancelled by the host"
            return "error", None, described
        except BaseException as error:
            return "error", None, describe_error(error)
        finally:
            if loop is not None:
                try:
                    _cancel_leftovers(loop)
                except BaseException:
                    pass
                end_loop(loop)
                asyncio.set_event_loop(None)
                loop.close()
        if _VALUE_NAME in namespace:
            value = namespace.pop(_VALUE_NAME)
            if value is not None:
                return "success", describe_value(value), None
        return "success", None, None
    finally:
        interrupter.end()


def fresh_main_module() -> types.ModuleType:
    """A new ``__main__`` module for the code, so pickling, dataclasses and ``if __name__ == '__main__'`` work."""
    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = module
    return module
