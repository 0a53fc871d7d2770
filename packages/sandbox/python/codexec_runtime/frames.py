"""Parsing and validating frames: the Python mirror of frame-protocol's zod schemas (src/frames.ts and src/methods.ts).

Pure functions only. The golden vectors of @codexec/frame-protocol are the contract both sides are tested against.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Final, Literal, NoReturn, TypeGuard, cast, overload

from .wire import HostFrame, JsonObject, RuntimeFrame, is_list, is_object

# The error codes of a line that could not become a frame (frame-protocol's DecodeErrorCode).
INVALID_JSON = "INVALID_JSON"
NOT_AN_OBJECT = "NOT_AN_OBJECT"
UNKNOWN_FRAME_TYPE = "UNKNOWN_FRAME_TYPE"
INVALID_FRAME = "INVALID_FRAME"

HOST_TO_RUNTIME: Final = "host_to_runtime"
RUNTIME_TO_HOST: Final = "runtime_to_host"
Direction = Literal["host_to_runtime", "runtime_to_host"]

_MAX_SAFE_INTEGER = 2**53 - 1


class FrameError(ValueError):
    """A line that is not a valid frame. ``code`` is one of the four decode codes above."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class _Invalid(Exception):
    pass


def _reject_constant(name: str) -> NoReturn:
    # JSON has no NaN or Infinity; Python's parser accepts them, JavaScript's does not.
    raise ValueError(f"{name} is not JSON")


def _fail(message: str) -> NoReturn:
    raise _Invalid(message)


def _is_number(value: object) -> TypeGuard[float]:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _is_int(value: object) -> TypeGuard[float]:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) <= _MAX_SAFE_INTEGER
    if isinstance(value, float):
        return math.isfinite(value) and value.is_integer() and abs(value) <= _MAX_SAFE_INTEGER
    return False


def _string(
    frame: JsonObject, key: str, *, optional: bool = False, min_length: int = 0, max_length: int | None = None
) -> None:
    if key not in frame:
        if optional:
            return
        _fail(f"{key} is required")
    value = frame[key]
    if not isinstance(value, str):
        _fail(f"{key} must be a string")
    length = len(value)  # zod counts code points, as len() does
    if length < min_length or (max_length is not None and length > max_length):
        _fail(f"{key} has the wrong length")


def _record(frame: JsonObject, key: str, *, optional: bool = True) -> None:
    if key not in frame:
        if optional:
            return
        _fail(f"{key} is required")
    if not is_object(frame[key]):
        _fail(f"{key} must be an object")


def _frame_id(frame: JsonObject) -> None:
    _string(frame, "id", min_length=1, max_length=128)


def _tool_meta(tool: object) -> None:
    if not is_object(tool):
        _fail("a tool must be an object")
    _string(tool, "name", min_length=1)
    _string(tool, "title", optional=True)
    _string(tool, "description", optional=True)
    for key in ("inputSchema", "outputSchema", "annotations"):
        _record(tool, key)


def _server_meta(server: object) -> None:
    if not is_object(server):
        _fail("a server must be an object")
    _string(server, "name", min_length=1)
    _string(server, "description", optional=True)
    tools = server.get("tools")
    if not is_list(tools):
        _fail("tools must be an array")
    for tool in tools:
        _tool_meta(tool)


def _error_object(error: object) -> None:
    if not is_object(error):
        _fail("error must be an object")
    _string(error, "code", min_length=1)
    _string(error, "message")


def _check_request(frame: JsonObject) -> None:
    _frame_id(frame)
    _string(frame, "method", min_length=1)
    _record(frame, "params")


def _check_response(frame: JsonObject) -> None:
    _frame_id(frame)
    keys = set(frame)
    if "error" in frame and "result" not in frame:
        if keys <= {"type", "id", "error"}:
            _error_object(frame["error"])
            return
    elif "result" in frame and keys <= {"type", "id", "result"}:
        return
    _fail("a response carries exactly one of result or error, and nothing else")


def _check_cancel(frame: JsonObject) -> None:
    _frame_id(frame)
    _string(frame, "reason", optional=True)


def _check_execute(frame: JsonObject) -> None:
    _frame_id(frame)
    _string(frame, "code")
    if "servers" in frame:
        servers = frame["servers"]
        if not is_list(servers):
            _fail("servers must be an array")
        for server in servers:
            _server_meta(server)
    if "discovered" in frame:
        discovered = frame["discovered"]
        if not is_list(discovered) or not all(isinstance(name, str) for name in discovered):
            _fail("discovered must be an array of strings")
    if "persist" in frame and not isinstance(frame["persist"], bool):
        _fail("persist must be a boolean")
    if "skills" in frame:
        skills = frame["skills"]
        if not is_list(skills):
            _fail("skills must be an array")
        for skill in skills:
            if not is_object(skill):
                _fail("a skill must be an object")
            _string(skill, "name", min_length=1)
            _string(skill, "source")
            _string(skill, "description", optional=True)
            _string(skill, "stale", optional=True)
    if "options" in frame:
        options = frame["options"]
        if not is_object(options):
            _fail("options must be an object")
        if "callTimeoutMs" in options:
            timeout = options["callTimeoutMs"]
            if not _is_int(timeout) or timeout <= 0:
                _fail("options.callTimeoutMs must be a positive integer")


def _check_hello(frame: JsonObject) -> None:
    protocol = frame.get("protocol")
    if not _is_int(protocol) or protocol <= 0:
        _fail("protocol must be a positive integer")
    revision = frame.get("revision", 1)
    if not _is_int(revision) or revision <= 0:
        _fail("revision must be a positive integer")
    _string(frame, "python", optional=True)
    if "pid" in frame and not _is_int(frame["pid"]):
        _fail("pid must be an integer")
    if "limits" in frame:
        _check_limits(frame["limits"])


_ENFORCERS = ("cgroup", "rlimit", "none")


def _check_limits(limits: object) -> None:
    if not is_object(limits):
        _fail("limits must be an object")
    if limits.get("cgroup") not in ("v1", "v2", None) or "cgroup" not in limits:
        _fail('limits.cgroup must be "v1", "v2" or null')
    for name in ("memory", "pids", "cpus", "fileSize"):
        if name not in limits:
            continue
        entry = limits[name]
        if not is_object(entry):
            _fail(f"limits.{name} must be an object")
        if entry.get("enforcedBy") not in _ENFORCERS:
            _fail(f'limits.{name}.enforcedBy must be "cgroup", "rlimit" or "none"')
        for field in ("requested", "effective", "runtime", "addressSpace"):
            if field == "requested" or field in entry:
                value = entry.get(field)
                if not _is_number(value) or value < 0:
                    _fail(f"limits.{name}.{field} must be a number of at least 0")


def _check_output(frame: JsonObject) -> None:
    _string(frame, "data")


def _check_done(frame: JsonObject) -> None:
    _frame_id(frame)
    if frame.get("status") not in ("success", "error"):
        _fail("status must be success or error")
    if "value" in frame:
        value = frame["value"]
        if not is_object(value):
            _fail("value must be an object")
        _string(value, "repr")
    if "error" in frame:
        error = frame["error"]
        if not is_object(error):
            _fail("error must be an object")
        _string(error, "type")
        _string(error, "message")
        _string(error, "traceback", optional=True)
    if "calls" in frame:
        calls = frame["calls"]
        if not _is_int(calls) or calls < 0:
            _fail("calls must be a non-negative integer")
    if (frame.get("status") == "error") != ("error" in frame):
        _fail('status "error" requires an error object, and status "success" must not carry one')


_CHECKS: dict[Direction, dict[str, Callable[[JsonObject], None]]] = {
    HOST_TO_RUNTIME: {
        "execute": _check_execute,
        "request": _check_request,
        "response": _check_response,
        "cancel": _check_cancel,
    },
    RUNTIME_TO_HOST: {
        "hello": _check_hello,
        "stdout": _check_output,
        "stderr": _check_output,
        "request": _check_request,
        "response": _check_response,
        "cancel": _check_cancel,
        "done": _check_done,
    },
}


@overload
def validate_frame(frame: object, direction: Literal["host_to_runtime"]) -> HostFrame: ...
@overload
def validate_frame(frame: object, direction: Literal["runtime_to_host"]) -> RuntimeFrame: ...
@overload
def validate_frame(frame: object, direction: Direction) -> HostFrame | RuntimeFrame: ...
def validate_frame(frame: object, direction: Direction) -> HostFrame | RuntimeFrame:
    """Checks a decoded object against the frames ``direction`` accepts; raises FrameError or returns it."""
    if not is_object(frame):
        raise FrameError(NOT_AN_OBJECT, "a frame must be a JSON object")
    checks = _CHECKS[direction]
    frame_type = frame.get("type")
    if not isinstance(frame_type, str):
        raise FrameError(INVALID_FRAME, 'a frame needs a string "type" field')
    check = checks.get(frame_type)
    if check is None:
        raise FrameError(UNKNOWN_FRAME_TYPE, f"unknown frame type {frame_type!r}")
    try:
        check(frame)
    except _Invalid as error:
        raise FrameError(INVALID_FRAME, f"invalid {frame_type} frame: {error}") from None
    # Checked field by field above: from here on it is the frame its type names.
    return cast("HostFrame | RuntimeFrame", frame)


# One decoder for every line (``json.loads`` with options builds a new one per call).
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


@overload
def parse_frame(line: str | bytes | bytearray, direction: Literal["host_to_runtime"] = ...) -> HostFrame: ...
@overload
def parse_frame(line: str | bytes | bytearray, direction: Literal["runtime_to_host"]) -> RuntimeFrame: ...
@overload
def parse_frame(line: str | bytes | bytearray, direction: Direction) -> HostFrame | RuntimeFrame: ...
def parse_frame(line: str | bytes | bytearray, direction: Direction = HOST_TO_RUNTIME) -> HostFrame | RuntimeFrame:
    """Decodes one NDJSON line (str or bytes, with or without its newline) into a validated frame."""
    if isinstance(line, (bytes, bytearray)):
        line = bytes(line).decode("utf-8", errors="replace")
    try:
        frame: object = _DECODER.decode(line)
    except ValueError as error:
        raise FrameError(INVALID_JSON, f"not JSON: {error}") from None
    return validate_frame(frame, direction)


def encode_frame(frame: Mapping[str, object]) -> bytes:
    """One frame as one UTF-8 line. Strings that cannot be UTF-8 (lone surrogates) fall back to escapes."""
    try:
        text = json.dumps(frame, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        text = json.dumps(frame, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
        return text.encode("ascii") + b"\n"
