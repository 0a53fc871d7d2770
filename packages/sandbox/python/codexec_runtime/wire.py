"""The shapes of what the runtime and the host exchange: frames, and the metadata of servers, tools and skills.

The Python mirror of frame-protocol's types (src/frames.ts and src/methods.ts). Decoded JSON is an ``object``
until it is checked:
``frames.validate_frame`` checks a whole frame, and ``is_object`` / ``is_list`` narrow the host's answers to
requests, which no schema checks on this side.
"""

from __future__ import annotations

from typing import Literal, TypedDict, TypeGuard, Union

# A JSON object as decoded, its values not yet checked.
JsonObject = dict[str, object]


def is_object(value: object) -> TypeGuard[JsonObject]:
    """Whether decoded JSON is an object (whose keys JSON makes strings)."""
    return isinstance(value, dict)


def is_list(value: object) -> TypeGuard[list[object]]:
    """Whether decoded JSON is an array."""
    return isinstance(value, list)


def object_or_empty(value: object) -> JsonObject:
    """The host's answer when it is an object, else an empty one (what a missing answer means)."""
    return value if is_object(value) else {}


def objects_in(value: object) -> list[JsonObject]:
    """The objects of an array (what is not an object left out); none when it is not an array."""
    return [item for item in value if is_object(item)] if is_list(value) else []


# -- metadata an execute carries ---------------------------------------------------------------------------------


class _ToolMetaRequired(TypedDict):
    name: str


class ToolMeta(_ToolMetaRequired, total=False):
    """An upstream tool as MCP lists it (camelCase)."""

    title: str
    description: str
    inputSchema: JsonObject
    outputSchema: JsonObject
    annotations: JsonObject


class _ServerMetaRequired(TypedDict):
    name: str
    tools: list[ToolMeta]


class ServerMeta(_ServerMetaRequired, total=False):
    """An upstream server: what an execute frame carries and what ``servers/describe`` answers."""

    description: str


class _SkillMetaRequired(TypedDict):
    name: str
    source: str


class SkillMeta(_SkillMetaRequired, total=False):
    """A saved tool as an execute frame carries it; ``stale`` says why it may be out of date."""

    description: str
    stale: str


class ExecuteOptions(TypedDict, total=False):
    callTimeoutMs: float


# -- host to runtime ---------------------------------------------------------------------------------------------


class _ExecuteRequired(TypedDict):
    type: Literal["execute"]
    id: str
    code: str


class ExecuteFrame(_ExecuteRequired, total=False):
    servers: list[ServerMeta]
    discovered: list[str]
    persist: bool
    skills: list[SkillMeta]
    options: ExecuteOptions


class _RequestRequired(TypedDict):
    type: Literal["request"]
    id: str
    method: str


class RequestFrame(_RequestRequired, total=False):
    params: JsonObject


class _ErrorObjectRequired(TypedDict):
    code: str
    message: str


class ErrorObject(_ErrorObjectRequired, total=False):
    data: object


class _ResponseRequired(TypedDict):
    type: Literal["response"]
    id: str


class ResponseFrame(_ResponseRequired, total=False):
    """Exactly one of ``result`` and ``error``."""

    result: object
    error: ErrorObject


class _CancelRequired(TypedDict):
    type: Literal["cancel"]
    id: str


class CancelFrame(_CancelRequired, total=False):
    reason: str


HostFrame = Union[ExecuteFrame, RequestFrame, ResponseFrame, CancelFrame]


# -- runtime to host ---------------------------------------------------------------------------------------------


Enforcer = Literal["cgroup", "rlimit", "none"]


class _LimitEntryRequired(TypedDict):
    requested: float
    enforcedBy: Enforcer


class LimitEntry(_LimitEntryRequired, total=False):
    """One limit the host asked for, and what holds it (``runtime`` and ``addressSpace``: memory by rlimit)."""

    effective: float
    runtime: int
    addressSpace: int


class _LimitsReportRequired(TypedDict):
    cgroup: Literal["v1", "v2"] | None


class LimitsReport(_LimitsReportRequired, total=False):
    memory: LimitEntry
    pids: LimitEntry
    cpus: LimitEntry
    fileSize: LimitEntry


class _HelloRequired(TypedDict):
    type: Literal["hello"]
    protocol: int


class HelloFrame(_HelloRequired, total=False):
    revision: int
    python: str
    pid: int
    limits: LimitsReport


OutputKind = Literal["stdout", "stderr"]


class OutputFrame(TypedDict):
    type: OutputKind
    data: str


class _ValueReportRequired(TypedDict):
    repr: str


class ValueReport(_ValueReportRequired, total=False):
    """The last expression's value: its repr, and the value itself when it is JSON."""

    json: object


class _ErrorReportRequired(TypedDict):
    type: str
    message: str


class ErrorReport(_ErrorReportRequired, total=False):
    """An exception of the code, or why the runtime refused or failed the execute."""

    traceback: str


class _DoneRequired(TypedDict):
    type: Literal["done"]
    id: str
    status: Literal["success", "error"]
    calls: int


class DoneFrame(_DoneRequired, total=False):
    value: ValueReport
    error: ErrorReport


RuntimeFrame = Union[HelloFrame, OutputFrame, RequestFrame, ResponseFrame, CancelFrame, DoneFrame]
