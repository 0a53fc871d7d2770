"""``mcp.runtime``: the helpers code calls to discover servers and tools, call any tool, remember, and attach files.

Each discovery helper is a thin face of one ``Catalog`` coroutine: awaited by the async helper, run to its end by
its ``_sync`` twin (see ``host_requests``).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import TYPE_CHECKING

from .attachments import make_functions as attachment_functions
from .catalog import ServerSummary
from .errors import MCPError, McpToolError, ToolCallDenied
from .exports import export
from .host_requests import run_blocking
from .records import ServerRecord, ToolDoc, ToolRecord, copy_record

if TYPE_CHECKING:
    from _typeshed import ConvertibleToInt

    from .api import SandboxApi

CAPABILITY_SUMMARY = (
    "Python sandbox with MCP tool proxies.\n"
    "1. Loaded servers (run_python's `servers`) are proxies: `await mcp_<alias>.<tool>(...)`, "
    "`mcp_servers['<name>']`, or `from mcp.servers.<alias> import *`. Each tool is an async function with a "
    "real signature: `help(mcp_<alias>.<tool>)` shows its parameters.\n"
    "2. Tool calls run concurrently: `await asyncio.gather(*(mcp_x.tool(...) for ...))`.\n"
    "3. Discovery: `from mcp import runtime`; `runtime.discovered_servers()`, `await runtime.list_servers()`, "
    "`runtime.describe_server(name)`, `await runtime.query_tool_docs(server, tool=None, detail='summary'|'full')`, "
    "`await runtime.search_tool_docs('words', limit=5)` (each has a `_sync` twin for plain code).\n"
    "4. `await runtime.call_tool(server, tool, {...})` calls any tool by name.\n"
    "5. A tool that reports an error raises `McpToolError` (a subclass of `MCPError`); a call the bridge's policy "
    "refuses raises `ToolCallDenied` (also an `MCPError`; `.rule` says which rule); other failures raise "
    "`MCPError`.\n"
    "6. The value of the last expression is returned, like a REPL; print() output is returned too. No network; "
    "only /tmp and /workspace are writable.\n"
    "7. Memory that outlives sessions and restarts (JSON values): save_memory(key, value), load_memory(key, "
    "default=None), update_memory, delete_memory, list_memories(prefix=''), memory_exists, get_memory_info.\n"
    "8. save_tool(func) keeps a function for every later run (as a plain name and `from skills import name`); "
    "list_saved_tools(), delete_saved_tool(name); `await runtime.query_tool_docs('skills')` documents them.\n"
    "9. runtime.attach(path_or_bytes, mime_type=None, name=None) hands a file back with the result; "
    "runtime.show(image) shows an image (PNG, JPEG, GIF, WebP, a matplotlib figure or PIL image)."
)


def runtime_module(api: SandboxApi) -> types.ModuleType:
    """The ``mcp.runtime`` module of one execute."""
    catalog = api.catalog
    module = types.ModuleType("mcp.runtime")
    module.__doc__ = "Discovery and call helpers of the sandbox.\n\n" + CAPABILITY_SUMMARY

    def discovered_servers(detailed: bool = False) -> tuple[str, ...] | tuple[ServerSummary, ...]:
        """Names of every server the host knows (a tuple); with detailed=True, dicts with name and description."""
        if not detailed:
            return tuple(catalog.discovered)
        return run_blocking(catalog.summaries(catalog.ask_blocking))

    async def list_servers() -> tuple[str, ...]:
        """Names of the servers that can be selected (asks the host)."""
        return await catalog.list_servers(catalog.ask)

    def list_servers_sync() -> tuple[str, ...]:
        """list_servers() for plain code: blocks until the host answers."""
        return run_blocking(catalog.list_servers(catalog.ask_blocking))

    def describe_server(name: str) -> ServerRecord:
        """A server as a dict: name, alias, description, tools [{name, alias, description, input_schema}]."""
        return copy_record(run_blocking(catalog.record(catalog.ask_blocking, name)))

    def list_loaded_server_metadata() -> tuple[ServerRecord, ...]:
        """The servers loaded in this run (a tuple of dicts, as describe_server returns them)."""
        return tuple(copy_record(record) for record in catalog.records)

    def list_tools_sync(server: str | None = None) -> tuple[ToolRecord, ...]:
        """The tools of a server (a tuple of dicts with name, alias, description, input_schema)."""
        if server is None:
            raise MCPError("list_tools_sync(server) requires a server name")
        return tuple(describe_server(server)["tools"])

    async def list_tools(server: str) -> list[ToolRecord]:
        """The tools of a server (a list of dicts); asks the host for servers not loaded in this run."""
        record = await catalog.record(catalog.ask, server)
        return [tool.copy() for tool in record["tools"]]

    async def query_tool_docs(server: str, tool: str | None = None, detail: str = "summary") -> list[ToolDoc] | ToolDoc:
        """Docs of a server's tools (a list), or of one tool (a dict). detail: 'summary' or 'full' (schemas)."""
        docs = await catalog.query_docs(catalog.ask, server, tool, detail)
        return docs[0] if tool is not None and len(docs) == 1 else docs

    def query_tool_docs_sync(server: str, tool: str | None = None, detail: str = "summary") -> list[ToolDoc]:
        """query_tool_docs() for plain code; always returns a list."""
        return run_blocking(catalog.query_docs(catalog.ask_blocking, server, tool, detail))

    async def search_tool_docs(query: str, *, limit: ConvertibleToInt = 5, detail: str = "summary") -> list[ToolDoc]:
        """Tools of every server whose name or description contains all the words of ``query``."""
        return await catalog.search_docs(catalog.ask, query, limit, detail)

    def search_tool_docs_sync(query: str, *, limit: ConvertibleToInt = 5, detail: str = "summary") -> list[ToolDoc]:
        """search_tool_docs() for plain code."""
        return run_blocking(catalog.search_docs(catalog.ask_blocking, query, limit, detail))

    def capability_summary() -> str:
        """A short manual of the sandbox, for the model."""
        return CAPABILITY_SUMMARY

    async def call_tool(server: str, tool: str, arguments: object = None, *, timeout: float | None = None) -> object:
        """Calls any tool by server and tool name (or alias); returns what a proxy would. timeout: seconds."""
        return await api.call_tool(server, tool, arguments, timeout=timeout)

    helpers: dict[str, Callable[..., object]] = {
        "call_tool": call_tool,
        "list_tools": list_tools,
        "list_tools_sync": list_tools_sync,
        "list_servers": list_servers,
        "list_servers_sync": list_servers_sync,
        "discovered_servers": discovered_servers,
        "describe_server": describe_server,
        "list_loaded_server_metadata": list_loaded_server_metadata,
        "query_tool_docs": query_tool_docs,
        "query_tool_docs_sync": query_tool_docs_sync,
        "search_tool_docs": search_tool_docs,
        "search_tool_docs_sync": search_tool_docs_sync,
        "capability_summary": capability_summary,
    }
    export(helpers)
    exported: dict[str, object] = {
        "MCPError": MCPError,
        "McpToolError": McpToolError,
        "ToolCallDenied": ToolCallDenied,
        **helpers,
        **api.memory,
        **attachment_functions(api.client),
    }
    for name, value in exported.items():
        setattr(module, name, value)
    setattr(module, "__all__", list(exported))
    return module
