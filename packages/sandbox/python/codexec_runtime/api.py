"""The in-sandbox API, as users of the original bridge know it, built from one ``execute`` frame.

Globals: ``mcp_servers[...]``, ``mcp_<alias>``, ``LOADED_MCP_SERVERS``, ``mcp``, ``runtime``, ``MCPError``,
``McpToolError``, ``ToolCallDenied``. Modules: ``mcp``, ``mcp.servers``, ``mcp.servers.<alias>``, ``mcp.runtime``.
Discovery helpers answer from the frame's metadata where they can and ask the host for servers that are not loaded
(``catalog``).
"""

from __future__ import annotations

import sys
import types

from .aliases import assign_aliases
from .catalog import Catalog
from .channel import HostClient
from .errors import MCPError, McpToolError, ToolCallDenied
from .memory import Memory
from .proxies import ToolFunction, make_proxy, unwrap_result
from .records import ServerRecord, server_record
from .runtime_module import runtime_module
from .servers import ServerDict, ServerProxy, UnloadedServerFinder, server_module
from .wire import ExecuteFrame, JsonObject, ToolMeta, is_object


class SandboxApi:
    """Everything one execute exposes; ``namespace()`` gives the globals the code runs with."""

    def __init__(self, frame: ExecuteFrame, client: HostClient) -> None:
        self.client = client
        self._call_timeout_ms = (frame.get("options") or {}).get("callTimeoutMs")
        servers = frame.get("servers") or []
        records: list[ServerRecord] = []
        self.proxies: dict[str, ServerProxy] = {}
        self.modules: dict[str, types.ModuleType] = {}
        for server, alias in zip(servers, assign_aliases([server["name"] for server in servers], kind="server")):
            record = server_record(server, alias)
            functions = {
                tool_record["alias"]: self._proxy(record, tool, tool_record["alias"])
                for tool, tool_record in zip(server["tools"], record["tools"])
            }
            records.append(record)
            self.proxies[server["name"]] = ServerProxy(record, functions)
            self.modules[alias] = server_module(record, functions)
        loaded = [record["name"] for record in records]
        names = list(frame.get("discovered") or [])
        self.catalog = Catalog(records, tuple(names + [name for name in loaded if name not in names]), client)
        self.memory = Memory(client).functions()
        # Proxies of servers not loaded in this run, built for saved tools, by name.
        self._built: dict[str, ServerProxy] = {}
        self.runtime = runtime_module(self)

    @property
    def records(self) -> list[ServerRecord]:
        """The records of the servers loaded in this run, in the frame's order."""
        return self.catalog.records

    def _proxy(self, record: ServerRecord, tool: ToolMeta, tool_alias: str) -> ToolFunction:
        return make_proxy(
            server_name=record["name"], server_alias=record["alias"], tool=tool, tool_alias=tool_alias,
            invoke=self.invoke,
        )

    # -- calls -------------------------------------------------------------------------------------------------

    async def invoke(self, server: str, tool: str, arguments: JsonObject, timeout: float | None = None) -> object:
        params: JsonObject = {"server": server, "tool": tool, "arguments": arguments}
        timeout_ms = int(timeout * 1000) if timeout else self._call_timeout_ms
        if timeout_ms:
            params["timeoutMs"] = max(1, int(timeout_ms))
        try:
            result = await self.client.request("tools/call", params)
        except MCPError as error:
            error.server, error.tool = server, tool
            raise error.with_traceback(None) from None
        try:
            return unwrap_result(result, server=server, tool=tool)
        except McpToolError as error:
            raise error.with_traceback(None) from None

    async def call_tool(self, server: str, tool: str, arguments: object, *, timeout: float | None) -> object:
        """``runtime.call_tool``: a tool by server and tool name or alias, with a dict of arguments (or None)."""
        record = self.catalog.loaded(server)
        server_name, tool_name = server, tool
        if record is not None:
            server_name = record["name"]
            for candidate in record["tools"]:
                if tool in (candidate["name"], candidate["alias"]):
                    tool_name = candidate["name"]
                    break
        if arguments is not None and not is_object(arguments):
            raise TypeError("call_tool() arguments must be a dict")
        return await self.invoke(server_name, tool_name, dict(arguments or {}), timeout=timeout)

    def server_proxy(self, name: str) -> ServerProxy:
        """The proxy of a server by name or alias: the loaded one, or one built from the host's description."""
        record = self.catalog.loaded(name)
        if record is not None:
            return self.proxies[record["name"]]
        record = self.catalog.server_record(name)
        proxy = self._built.get(record["name"])
        if proxy is None:
            functions: dict[str, ToolFunction] = {}
            for tool in record["tools"]:
                meta: ToolMeta = {"name": tool["name"], "inputSchema": tool.get("input_schema") or {}}
                if tool.get("description"):
                    meta["description"] = tool["description"]
                functions[tool["alias"]] = self._proxy(record, meta, tool["alias"])
            proxy = self._built[record["name"]] = ServerProxy(record, functions)
        return proxy

    # -- installation ------------------------------------------------------------------------------------------

    def install_modules(self) -> types.ModuleType:
        """Puts ``mcp``, ``mcp.servers``, ``mcp.servers.<alias>`` and ``mcp.runtime`` in sys.modules."""
        for name in [name for name in sys.modules if name == "mcp" or name.startswith("mcp.")]:
            del sys.modules[name]
        package = types.ModuleType("mcp")
        package.__doc__ = "MCP servers of this run (mcp.servers) and the sandbox helpers (mcp.runtime)."
        setattr(package, "__path__", [])
        servers = types.ModuleType("mcp.servers")
        servers.__doc__ = "One module per loaded MCP server, named by its alias."
        setattr(servers, "__path__", [])
        setattr(servers, "__all__", list(self.modules))
        setattr(package, "servers", servers)
        setattr(package, "runtime", self.runtime)
        sys.modules["mcp"] = package
        sys.modules["mcp.servers"] = servers
        sys.modules["mcp.runtime"] = self.runtime
        for alias, module in self.modules.items():
            setattr(servers, alias, module)
            sys.modules[module.__name__] = module
        UnloadedServerFinder.records = self.records
        if UnloadedServerFinder not in sys.meta_path:
            sys.meta_path.append(UnloadedServerFinder)
        return package

    def namespace(self, package: types.ModuleType) -> dict[str, object]:
        by_alias = {record["alias"]: self.proxies[record["name"]] for record in self.records}
        names: dict[str, object] = {
            "mcp": package,
            "runtime": self.runtime,
            "mcp_servers": ServerDict(self.proxies, by_alias),
            "LOADED_MCP_SERVERS": tuple(record["name"] for record in self.records),
            "MCPError": MCPError,
            "McpToolError": McpToolError,
            "ToolCallDenied": ToolCallDenied,
        }
        for alias, proxy in by_alias.items():
            names[f"mcp_{alias}"] = proxy
        names.update(self.memory)
        return names
