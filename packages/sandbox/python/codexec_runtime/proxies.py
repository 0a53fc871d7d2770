"""Tool proxies: real Python functions built from a tool's JSON schema, and how their results come back.

Pure code: a proxy calls the ``invoke(server, tool, arguments)`` coroutine function it is given.
"""

from __future__ import annotations

import inspect
import json
import types
import typing
from collections.abc import Awaitable, Coroutine, Sequence
from typing import Protocol, TypedDict

from .aliases import parameter_name
from .errors import McpToolError
from .wire import JsonObject, ToolMeta, is_list, is_object


class Invoke(Protocol):
    """What a proxy calls: sends one ``tools/call`` and returns what the tool answered, unwrapped."""

    def __call__(self, server: str, tool: str, arguments: JsonObject, /) -> Awaitable[object]: ...


class ToolFunction(Protocol):
    """A proxy: an ``async def`` function with the tool's signature, marked with the server and tool it calls."""

    __name__: str
    __qualname__: str
    __module__: str
    __doc__: str | None
    __signature__: inspect.Signature
    __annotations__: dict[str, object]
    __mcp_server__: str
    __mcp_tool__: str

    def __call__(self, *args: object, **kwargs: object) -> Coroutine[object, object, object]: ...


class _Param(TypedDict):
    name: str  # the Python parameter
    key: str  # the JSON property
    annotation: object
    required: bool
    default: object  # what the signature shows
    nullable: bool
    description: str | None

_PROXY_FILENAME = "<codexec-runtime>/proxy"
_CALL = "__codexec_call__"
_UNSET_NAME = "__codexec_unset__"


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<not given>"


UNSET = _Unset()


class _SpecialForm(Protocol):
    def __getitem__(self, parameters: object, /) -> object: ...


# typing's special forms as the run-time objects they are: here annotations are built from schemas while running.
_LITERAL: _SpecialForm = getattr(typing, "Literal")
_UNION: _SpecialForm = getattr(typing, "Union")
_OPTIONAL: _SpecialForm = getattr(typing, "Optional")

_SIMPLE_TYPES: dict[str, object] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "null": type(None),
}


def _literal(values: Sequence[object]) -> object:
    return _LITERAL[tuple(values)]


def _union(members: Sequence[object]) -> object:
    unique: list[object] = []
    for member in members:
        if member not in unique:
            unique.append(member)
    if not unique:
        return typing.Any
    if typing.Any in unique:
        return typing.Any
    if len(unique) == 1:
        return unique[0]
    return _UNION[tuple(unique)]


def annotation_for(schema: object, _depth: int = 0) -> object:
    """A Python annotation for a JSON schema: str, int, float, bool, list[...], dict[str, ...], Literal, Optional."""
    if not is_object(schema) or _depth > 6:
        return typing.Any
    if "const" in schema:
        value = schema["const"]
        if value is None:
            return type(None)
        if isinstance(value, (str, int, float, bool)):
            return _literal([value])
    enum = schema.get("enum")
    if is_list(enum) and enum:
        values = [v for v in enum if isinstance(v, (str, int, float, bool))]
        members = [_literal(values)] if values else []
        if any(v is None for v in enum):
            members.append(type(None))
        if members:
            return _union(members)
    for key in ("anyOf", "oneOf"):
        alternatives = schema.get(key)
        if is_list(alternatives) and alternatives:
            return _union([annotation_for(member, _depth + 1) for member in alternatives])
    kind = schema.get("type")
    if is_list(kind):
        return _union([annotation_for({**schema, "type": member}, _depth + 1) for member in kind])
    if isinstance(kind, str) and kind in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[kind]
    # Generic aliases built at run time: ``list[x]`` and ``dict[str, x]`` for an ``x`` known only now.
    if kind == "array":
        items = schema.get("items")
        return types.GenericAlias(list, (annotation_for(items, _depth + 1),)) if is_object(items) and items else list
    if kind == "object" or "properties" in schema:
        extra = schema.get("additionalProperties")
        value = annotation_for(extra, _depth + 1) if is_object(extra) and extra else typing.Any
        return types.GenericAlias(dict, (str, value))
    return typing.Any


def _allows_null(annotation: object) -> bool:
    if annotation is typing.Any or annotation is type(None):
        return True
    return type(None) in typing.get_args(annotation) and typing.get_origin(annotation) is typing.Union


def _type_name(annotation: object) -> str:
    text = inspect.formatannotation(annotation)
    return text.replace("typing.", "")


class ToolSignature:
    """How a tool's JSON arguments map onto Python parameters."""

    def __init__(self, input_schema: object) -> None:
        schema: JsonObject = input_schema if is_object(input_schema) else {}
        listed = schema.get("properties")
        properties: JsonObject = listed if is_object(listed) else {}
        required_list = schema.get("required")
        required_names: set[object] = set(required_list) if is_list(required_list) else set()
        taken = {_CALL, _UNSET_NAME}
        self.params: list[_Param] = []
        ordered = [key for key in properties if key in required_names]
        ordered += [key for key in properties if key not in required_names]
        for key in ordered:
            value = properties[key]
            prop: JsonObject = value if is_object(value) else {}
            annotation = annotation_for(prop)
            required = key in required_names
            nullable = _allows_null(annotation)
            default: object = inspect.Parameter.empty
            if not required:
                default = prop.get("default") if "default" in prop else None
                if default is None and not nullable:
                    annotation = _OPTIONAL[annotation]
            self.params.append(
                {
                    "name": parameter_name(key, taken),
                    "key": key,
                    "annotation": annotation,
                    "required": required,
                    "default": default,
                    "nullable": nullable,
                    "description": description if isinstance(description := prop.get("description"), str) else None,
                }
            )
        additional = schema.get("additionalProperties")
        open_ended = additional is True or isinstance(additional, dict) or "properties" not in schema
        self.extra = parameter_name("extra", taken) if open_ended and additional is not False else None

    def signature(self) -> inspect.Signature:
        parameters: list[inspect.Parameter] = []
        for param in self.params:
            kind = (
                inspect.Parameter.POSITIONAL_OR_KEYWORD if param["required"] else inspect.Parameter.KEYWORD_ONLY
            )
            parameters.append(
                inspect.Parameter(param["name"], kind, default=param["default"], annotation=param["annotation"])
            )
        if self.extra:
            parameters.append(inspect.Parameter(self.extra, inspect.Parameter.VAR_KEYWORD, annotation=typing.Any))
        return inspect.Signature(parameters)

    def source(self, function_name: str) -> str:
        """``async def`` source whose parameters are the real ones, so Python itself checks every call."""
        required = [p["name"] for p in self.params if p["required"]]
        optional = [f"{p['name']}={_UNSET_NAME}" for p in self.params if not p["required"]]
        parts = list(required)
        if optional:
            parts.append("*")
            parts.extend(optional)
        if self.extra:
            parts.append(f"**{self.extra}")
        values = "".join(f"{p['name']}, " for p in self.params)
        extra = self.extra or "None"
        return (
            f"async def {function_name}({', '.join(parts)}):\n"
            f"    return await {_CALL}(({values}), {extra})\n"
        )

    def arguments(self, values: Sequence[object], extra: JsonObject | None) -> JsonObject:
        """The JSON arguments of one call: what was given, keyed by the schema's property names."""
        arguments: JsonObject = {}
        for param, value in zip(self.params, values):
            if value is UNSET:
                continue
            if value is None and not param["required"] and not param["nullable"]:
                continue
            arguments[param["key"]] = value
        if extra:
            arguments.update(extra)
        return arguments


def tool_docstring(tool: ToolMeta, signature: ToolSignature, *, server_name: str) -> str:
    description = tool.get("description")
    summary = description.strip() if isinstance(description, str) else ""
    lines = [summary or f"Call the tool {tool.get('name')!r} of the server {server_name!r}."]
    if signature.params:
        lines += ["", "Args:"]
        for param in signature.params:
            tags = [_type_name(param["annotation"])]
            if not param["required"]:
                tags.append("optional")
            line = f"    {param['name']} ({', '.join(tags)})"
            if param["key"] != param["name"]:
                line += f" [sent as {param['key']!r}]"
            if param["description"]:
                line += f": {param['description'].strip()}"
            if not param["required"] and param["default"] is not None:
                line += f" Default: {param['default']!r}."
            lines.append(line)
    output_schema = tool.get("outputSchema")
    lines += ["", "Returns:"]
    if isinstance(output_schema, dict):
        lines.append(f"    {_type_name(annotation_for(output_schema))}: the tool's structured result.")
    else:
        lines.append("    The tool's result: its text, parsed as JSON when it is JSON.")
    lines += ["", "Raises:", "    McpToolError: the tool reported an error."]
    return "\n".join(lines)


def make_proxy(*, server_name: str, server_alias: str, tool: ToolMeta, tool_alias: str, invoke: Invoke) -> ToolFunction:
    """An ``async def`` function calling ``invoke(server_name, tool['name'], arguments)``."""
    signature = ToolSignature(tool.get("inputSchema"))
    tool_name = tool["name"]

    async def call(values: Sequence[object], extra: JsonObject | None) -> object:
        return await invoke(server_name, tool_name, signature.arguments(values, extra))

    namespace: dict[str, object] = {_CALL: call, _UNSET_NAME: UNSET}
    exec(compile(signature.source(tool_alias), _PROXY_FILENAME, "exec"), namespace)
    # The source just compiled defines an ``async def`` of that name; nothing else could be there.
    proxy = typing.cast(ToolFunction, namespace[tool_alias])
    proxy.__qualname__ = tool_alias
    proxy.__module__ = f"mcp.servers.{server_alias}"
    proxy.__doc__ = tool_docstring(tool, signature, server_name=server_name)
    proxy.__signature__ = signature.signature()
    proxy.__annotations__ = {p["name"]: p["annotation"] for p in signature.params}
    proxy.__mcp_server__ = server_name
    proxy.__mcp_tool__ = tool_name
    return proxy


def _parse_text(text: str) -> object:
    stripped = text.strip()
    if not stripped:
        return text
    try:
        return json.loads(stripped)
    except ValueError:
        return text


def unwrap_result(result: object, *, server: str | None = None, tool: str | None = None) -> object:
    """What a proxy returns for a CallToolResult, or raises McpToolError when ``isError`` is set.

    structuredContent when present; else the text content (several text items joined by newlines) parsed as JSON
    when it is JSON, else the text; non-text content items come back as dicts (a list when there are several).
    """
    if not is_object(result):
        return result
    listed = result.get("content")
    content = [item for item in listed if is_object(item)] if is_list(listed) else []
    texts = [text for item in content if item.get("type") == "text" and isinstance(text := item.get("text"), str)]
    if result.get("isError"):
        message = "\n".join(texts).strip() or f"the tool {tool!r} of {server!r} reported an error"
        raise McpToolError(message, result=result, server=server, tool=tool)
    if result.get("structuredContent") is not None:
        return result["structuredContent"]
    if not content:
        return None
    if len(texts) == len(content):
        return _parse_text("\n".join(texts))
    items = [
        text if item.get("type") == "text" and isinstance(text := item.get("text"), str) else item
        for item in content
    ]
    return items[0] if len(items) == 1 else items
