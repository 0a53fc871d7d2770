"""The records of servers and tools that code in the sandbox reads, and the docs of tools: pure builders.

A server record (``describe_server``, ``list_loaded_server_metadata``, ``mcp_<alias>.list_tools()``) keeps MCP's
fields in snake_case with the aliases added; a tool doc (``query_tool_docs``, ``search_tool_docs``) keeps them in
camelCase, as the host's ``tools/query`` and ``tools/search`` send them, at a detail level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Literal, TypedDict

from .aliases import assign_aliases, base_alias
from .errors import MCPError
from .wire import JsonObject, ServerMeta, ToolMeta, is_list, is_object

Detail = Literal["summary", "full"]


class _ToolRecordRequired(TypedDict):
    name: str
    alias: str
    description: str
    input_schema: JsonObject


class ToolRecord(_ToolRecordRequired, total=False):
    title: str
    output_schema: JsonObject
    annotations: JsonObject


class _ServerRecordRequired(TypedDict):
    name: str
    alias: str
    tools: list[ToolRecord]


class ServerRecord(_ServerRecordRequired, total=False):
    description: str


class _ToolDocRequired(TypedDict):
    server: str
    serverAlias: str
    tool: str
    toolAlias: str


class ToolDoc(_ToolDocRequired, total=False):
    description: str
    title: str
    inputSchema: JsonObject
    outputSchema: JsonObject
    annotations: JsonObject


def tool_record(tool: ToolMeta, alias: str) -> ToolRecord:
    record: ToolRecord = {
        "name": tool["name"],
        "alias": alias,
        "description": tool.get("description") or "",
        "input_schema": tool.get("inputSchema") or {},
    }
    if "title" in tool:
        record["title"] = tool["title"]
    if "outputSchema" in tool:
        record["output_schema"] = tool["outputSchema"]
    if "annotations" in tool:
        record["annotations"] = tool["annotations"]
    return record


def server_record(server: ServerMeta, alias: str) -> ServerRecord:
    """The record of a server; its tools get their aliases here."""
    tools = server["tools"]
    records = [tool_record(tool, a) for tool, a in zip(tools, assign_aliases([t["name"] for t in tools], kind="tool"))]
    description = server.get("description")
    if description:
        return {"name": server["name"], "alias": alias, "description": description, "tools": records}
    return {"name": server["name"], "alias": alias, "tools": records}


def copy_record(record: ServerRecord) -> ServerRecord:
    """A copy the code may change without changing the run's own."""
    copy = record.copy()
    copy["tools"] = [tool.copy() for tool in record["tools"]]
    return copy


def _tool_meta(value: object) -> ToolMeta | None:
    """A tool of the host's answer, its fields of the wrong type left out; None without a name."""
    if not is_object(value):
        return None
    name = value.get("name")
    if not isinstance(name, str) or not name:
        return None
    tool: ToolMeta = {"name": name}
    for key in ("title", "description"):
        text = value.get(key)
        if isinstance(text, str):
            tool[key] = text
    for key in ("inputSchema", "outputSchema", "annotations"):
        schema = value.get(key)
        if is_object(schema):
            tool[key] = schema
    return tool


def record_from_host(server: object, name: str) -> ServerRecord:
    """A record from the host's answer to ``servers/describe`` (a ServerMeta)."""
    server_name = server.get("name") if is_object(server) else None
    if not is_object(server) or not isinstance(server_name, str):
        raise MCPError(f"the host sent no description of server {name!r}", code="INVALID_RESULT")
    listed = server.get("tools")
    tools = [tool for tool in map(_tool_meta, listed if is_list(listed) else []) if tool is not None]
    meta: ServerMeta = {"name": server_name, "tools": tools}
    description = server.get("description")
    if isinstance(description, str):
        meta["description"] = description
    return server_record(meta, base_alias(server_name))


def normalise_detail(detail: object) -> Detail:
    value = str(detail).lower() if detail is not None else "summary"
    return "full" if value == "full" else "summary"


def tool_doc(
    server: str, server_alias: str, tool: str, tool_alias: str, detail: Detail, fields: Mapping[str, object]
) -> ToolDoc:
    """A tool's doc at a detail level, from its MCP fields (camelCase): the one builder of this record.

    ``summary``: names, aliases and the description (left out when empty); ``full`` adds the title, the input schema
    (``{"type": "object"}`` when the tool gives none: it takes no arguments), the output schema and the annotations.
    """
    doc: ToolDoc = {"server": server, "serverAlias": server_alias, "tool": tool, "toolAlias": tool_alias}
    description = fields.get("description")
    if isinstance(description, str) and description:
        doc["description"] = description
    if detail == "full":
        title = fields.get("title")
        if isinstance(title, str):
            doc["title"] = title
        input_schema = fields.get("inputSchema")
        doc["inputSchema"] = input_schema if is_object(input_schema) and input_schema else {"type": "object"}
        for key in ("outputSchema", "annotations"):
            value = fields.get(key)
            if is_object(value):
                doc[key] = value
    return doc


def record_doc(record: ServerRecord, tool: ToolRecord, detail: Detail) -> ToolDoc:
    """The doc of a tool of a loaded server."""
    fields = {
        "description": tool.get("description"),
        "title": tool.get("title"),
        "inputSchema": tool.get("input_schema"),
        "outputSchema": tool.get("output_schema"),
        "annotations": tool.get("annotations"),
    }
    return tool_doc(record["name"], record["alias"], tool["name"], tool["alias"], detail, fields)


def matching_tools(record: ServerRecord, tool: object) -> list[ToolRecord]:
    """Every tool of the record (``tool`` None), or the one named ``tool`` (by name or alias, any case)."""
    if tool is None:
        return list(record["tools"])
    if not isinstance(tool, str):
        raise MCPError("'tool' must be a string when given")
    target = tool.lower()
    for candidate in record["tools"]:
        if target in (candidate["name"].lower(), candidate["alias"].lower()):
            return [candidate]
    raise MCPError(f"Tool {tool!r} not found for server {record['name']!r}")


def docs_from_host(
    result: object, key: str, detail: Detail, loaded: Callable[[str], ServerRecord | None]
) -> list[ToolDoc]:
    """Our docs from the ToolDocs of a ``tools/query`` / ``tools/search`` answer: aliases added, fields per detail.

    A loaded server's aliases are the ones this run gives it (``loaded`` finds its record).
    """
    items = result.get(key) if is_object(result) else None
    docs: list[ToolDoc] = []
    for item in items if is_list(items) else []:
        if not is_object(item):
            continue
        server, tool = item.get("server"), item.get("tool")
        if not isinstance(server, str) or not isinstance(tool, str):
            continue
        record = loaded(server)
        server_alias = record["alias"] if record else base_alias(server)
        tools = record["tools"] if record else []
        tool_alias = next((t["alias"] for t in tools if t["name"] == tool), base_alias(tool, kind="tool"))
        docs.append(tool_doc(server, server_alias, tool, tool_alias, detail, item))
    return docs


def search_records(records: Iterable[ServerRecord], query: object, limit: int, detail: Detail) -> list[ToolDoc]:
    """Tools of the records whose names and descriptions contain every word of ``query``: the search a host that
    has none falls back to."""
    tokens = [token for token in str(query).lower().split() if token]
    matches: list[ToolDoc] = []
    if not tokens:
        return matches
    for record in records:
        server_words = f"{record['name']} {record['alias']} {record.get('description', '')}"
        for tool in record["tools"]:
            haystack = " ".join((server_words, tool["name"], tool["alias"], tool.get("description") or "")).lower()
            if all(token in haystack for token in tokens):
                matches.append(record_doc(record, tool, detail))
                if len(matches) >= limit:
                    return matches
    return matches
