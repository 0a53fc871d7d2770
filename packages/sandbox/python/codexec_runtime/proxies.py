"""Tool proxies: real Python functions built from a tool's JSON schema, and how their results come back.

Pure code: a proxy calls the ``invoke(server, tool, arguments)`` coroutine function it is given.
"""

import inspect
import json
import typing

from .aliases import parameter_name
from .errors import McpToolError

_PROXY_FILENAME = "<codexec-runtime>/proxy"
_CALL = "__codexec_call__"
_UNSET_NAME = "__codexec_unset__"


class _Unset:
    __slots__ = ()

    def __repr__(self):
        return "<not given>"


UNSET = _Unset()

_SIMPLE_TYPES = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "null": type(None),
}


def _literal(values):
    return typing.Literal.__getitem__(tuple(values))


def _union(members):
    unique = []
    for member in members:
        if member not in unique:
            unique.append(member)
    if not unique:
        return typing.Any
    if typing.Any in unique:
        return typing.Any
    if len(unique) == 1:
        return unique[0]
    return typing.Union.__getitem__(tuple(unique))


def annotation_for(schema, _depth=0):
    """A Python annotation for a JSON schema: str, int, float, bool, list[...], dict[str, ...], Literal, Optional."""
    if not isinstance(schema, dict) or _depth > 6:
        return typing.Any
    if "const" in schema:
        value = schema["const"]
        if value is None:
            return type(None)
        if isinstance(value, (str, int, float, bool)):
            return _literal([value])
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        values = [v for v in schema["enum"] if isinstance(v, (str, int, float, bool))]
        members = [_literal(values)] if values else []
        if any(v is None for v in schema["enum"]):
            members.append(type(None))
        if members:
            return _union(members)
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return _union([annotation_for(member, _depth + 1) for member in schema[key]])
    kind = schema.get("type")
    if isinstance(kind, list):
        return _union([annotation_for({**schema, "type": member}, _depth + 1) for member in kind])
    if kind in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[kind]
    if kind == "array":
        items = schema.get("items")
        return list[annotation_for(items, _depth + 1)] if isinstance(items, dict) and items else list
    if kind == "object" or "properties" in schema:
        extra = schema.get("additionalProperties")
        value = annotation_for(extra, _depth + 1) if isinstance(extra, dict) and extra else typing.Any
        return dict[str, value]
    return typing.Any


def _allows_null(annotation):
    if annotation is typing.Any or annotation is type(None):
        return True
    return type(None) in typing.get_args(annotation) and typing.get_origin(annotation) is typing.Union


def _type_name(annotation):
    text = inspect.formatannotation(annotation)
    return text.replace("typing.", "")


class ToolSignature:
    """How a tool's JSON arguments map onto Python parameters."""

    def __init__(self, input_schema):
        schema = input_schema if isinstance(input_schema, dict) else {}
        properties = schema.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        required_names = schema.get("required")
        required_names = set(required_names) if isinstance(required_names, list) else set()
        taken = {_CALL, _UNSET_NAME}
        # (python name, json name, annotation, required, display default, nullable, description)
        self.params = []
        ordered = [key for key in properties if key in required_names]
        ordered += [key for key in properties if key not in required_names]
        for key in ordered:
            prop = properties[key] if isinstance(properties[key], dict) else {}
            annotation = annotation_for(prop)
            required = key in required_names
            nullable = _allows_null(annotation)
            default = inspect.Parameter.empty
            if not required:
                default = prop.get("default") if "default" in prop else None
                if default is None and not nullable:
                    annotation = typing.Optional[annotation]
            self.params.append(
                {
                    "name": parameter_name(key, taken),
                    "key": key,
                    "annotation": annotation,
                    "required": required,
                    "default": default,
                    "nullable": nullable,
                    "description": prop.get("description") if isinstance(prop.get("description"), str) else None,
                }
            )
        additional = schema.get("additionalProperties")
        open_ended = additional is True or isinstance(additional, dict) or "properties" not in schema
        self.extra = parameter_name("extra", taken) if open_ended and additional is not False else None

    def signature(self):
        parameters = []
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

    def source(self, function_name):
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

    def arguments(self, values, extra):
        """The JSON arguments of one call: what was given, keyed by the schema's property names."""
        arguments = {}
        for param, value in zip(self.params, values):
            if value is UNSET:
                continue
            if value is None and not param["required"] and not param["nullable"]:
                continue
            arguments[param["key"]] = value
        if extra:
            arguments.update(extra)
        return arguments


def tool_docstring(tool, signature, *, server_name):
    description = tool.get("description") if isinstance(tool.get("description"), str) else ""
    lines = [description.strip() or f"Call the tool {tool.get('name')!r} of the server {server_name!r}."]
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


def make_proxy(*, server_name, server_alias, tool, tool_alias, invoke):
    """An ``async def`` function calling ``invoke(server_name, tool['name'], arguments)``."""
    signature = ToolSignature(tool.get("inputSchema"))
    tool_name = tool["name"]

    async def call(values, extra):
        return await invoke(server_name, tool_name, signature.arguments(values, extra))

    namespace = {_CALL: call, _UNSET_NAME: UNSET}
    exec(compile(signature.source(tool_alias), _PROXY_FILENAME, "exec"), namespace)
    proxy = namespace[tool_alias]
    proxy.__qualname__ = tool_alias
    proxy.__module__ = f"mcp.servers.{server_alias}"
    proxy.__doc__ = tool_docstring(tool, signature, server_name=server_name)
    proxy.__signature__ = signature.signature()
    proxy.__annotations__ = {p["name"]: p["annotation"] for p in signature.params}
    proxy.__mcp_server__ = server_name
    proxy.__mcp_tool__ = tool_name
    return proxy


def _parse_text(text):
    stripped = text.strip()
    if not stripped:
        return text
    try:
        return json.loads(stripped)
    except ValueError:
        return text


def unwrap_result(result, *, server=None, tool=None):
    """What a proxy returns for a CallToolResult, or raises McpToolError when ``isError`` is set.

    structuredContent when present; else the text content (several text items joined by newlines) parsed as JSON
    when it is JSON, else the text; non-text content items come back as dicts (a list when there are several).
    """
    if not isinstance(result, dict):
        return result
    content = result.get("content")
    content = [item for item in content if isinstance(item, dict)] if isinstance(content, list) else []
    texts = [item.get("text") for item in content if item.get("type") == "text" and isinstance(item.get("text"), str)]
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
        item["text"] if item.get("type") == "text" and isinstance(item.get("text"), str) else item
        for item in content
    ]
    return items[0] if len(items) == 1 else items
