"""The in-sandbox API, as users of the original bridge know it, built from one ``execute`` frame.

Globals: ``mcp_servers[...]``, ``mcp_<alias>``, ``LOADED_MCP_SERVERS``, ``mcp``, ``runtime``, ``MCPError``,
``McpToolError``. Modules: ``mcp``, ``mcp.servers``, ``mcp.servers.<alias>``, ``mcp.runtime``. Discovery helpers
answer from the frame's metadata where they can and ask the host for servers that are not loaded.
"""

import sys
import types

from .aliases import assign_aliases, base_alias
from .attachments import make_functions as attachment_functions
from .errors import MCPError, McpToolError
from .memory import Memory
from .proxies import make_proxy, unwrap_result

# Error codes with which the host says it has no answer for a discovery method; the helpers then fall back to
# what the execute frame carries.
_UNSUPPORTED = {"UNKNOWN_METHOD", "NOT_SUPPORTED"}
# Synchronous helpers block the calling thread; they give up after this long.
SYNC_TIMEOUT_SECONDS = 120.0

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
    "5. A tool that reports an error raises `McpToolError` (a subclass of `MCPError`); other failures raise "
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


def _tool_record(tool, alias):
    record = {
        "name": tool["name"],
        "alias": alias,
        "description": tool.get("description") or "",
        "input_schema": tool.get("inputSchema") or {},
    }
    for key, target in (("title", "title"), ("outputSchema", "output_schema"), ("annotations", "annotations")):
        if tool.get(key) is not None:
            record[target] = tool[key]
    return record


def _server_record(server, alias, tool_aliases):
    record = {"name": server["name"], "alias": alias}
    if server.get("description"):
        record["description"] = server["description"]
    record["tools"] = [_tool_record(tool, a) for tool, a in zip(server.get("tools") or [], tool_aliases)]
    return record


def _copy_record(record):
    return {**record, "tools": [dict(tool) for tool in record["tools"]]}


def _normalise_detail(detail):
    value = str(detail).lower() if detail is not None else "summary"
    return value if value in ("summary", "full") else "summary"


def _doc(server, server_alias, tool, tool_alias, detail, fields):
    """A tool's doc at a detail level, from its MCP fields (camelCase): the one builder of this record.

    ``summary``: names, aliases and the description (left out when empty); ``full`` adds the title, the input schema
    (``{"type": "object"}`` when the tool gives none: it takes no arguments), the output schema and the annotations.
    """
    doc = {"server": server, "serverAlias": server_alias, "tool": tool, "toolAlias": tool_alias}
    if fields.get("description"):
        doc["description"] = fields["description"]
    if detail == "full":
        if fields.get("title") is not None:
            doc["title"] = fields["title"]
        doc["inputSchema"] = fields.get("inputSchema") or {"type": "object"}
        for key in ("outputSchema", "annotations"):
            if fields.get(key) is not None:
                doc[key] = fields[key]
    return doc


def _tool_doc(record, tool, detail):
    fields = {
        "description": tool.get("description"),
        "title": tool.get("title"),
        "inputSchema": tool.get("input_schema"),
        "outputSchema": tool.get("output_schema"),
        "annotations": tool.get("annotations"),
    }
    return _doc(record["name"], record["alias"], tool["name"], tool["alias"], detail, fields)


def _matching_tools(record, tool):
    if tool is None:
        return list(record["tools"])
    if not isinstance(tool, str):
        raise MCPError("'tool' must be a string when given")
    target = tool.lower()
    for candidate in record["tools"]:
        if target in (candidate["name"].lower(), candidate["alias"].lower()):
            return [candidate]
    raise MCPError(f"Tool {tool!r} not found for server {record['name']!r}")


class ServerProxy:
    """``mcp_<alias>`` / ``mcp_servers[name]``: one attribute per tool, each an async function."""

    def __init__(self, record, functions):
        self._record = record
        self._functions = functions
        for alias, function in functions.items():
            self.__dict__[alias] = function

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        lowered = name.lower()
        for tool in self._record["tools"]:
            if lowered in (tool["name"].lower(), base_alias(tool["name"], kind="tool")):
                return self._functions[tool["alias"]]
        names = ", ".join(tool["alias"] for tool in self._record["tools"]) or "(none)"
        raise AttributeError(f"server {self._record['name']!r} has no tool {name!r}; its tools are: {names}")

    def __dir__(self):
        return sorted(set(self._functions) | {"list_tools", "name", "alias", "description", "tools"})

    def __repr__(self):
        names = ", ".join(self._functions) or "no tools"
        return f"<MCP server {self._record['name']!r} as mcp_{self._record['alias']}: {names}>"

    @property
    def name(self):
        return self._record["name"]

    @property
    def alias(self):
        return self._record["alias"]

    @property
    def description(self):
        return self._record.get("description", "")

    @property
    def tools(self):
        return tuple(tool["alias"] for tool in self._record["tools"])

    async def list_tools(self):
        """The tools of this server: dicts with name, alias, description and input_schema."""
        return [dict(tool) for tool in self._record["tools"]]


class ServerDict(dict):
    """``mcp_servers``: keyed by server name; an alias finds the same proxy."""

    def __init__(self, proxies, by_alias):
        super().__init__(proxies)
        self._by_alias = by_alias

    def __missing__(self, key):
        proxy = self._by_alias.get(key) or self._by_alias.get(base_alias(key))
        if proxy is None:
            loaded = ", ".join(self) or "(none)"
            raise KeyError(f"server {key!r} is not loaded in this run; loaded servers: {loaded}")
        return proxy


class _UnloadedServerFinder:
    """Turns ``import mcp.servers.<not loaded>`` into an error that says which servers are loaded."""

    api = None

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if cls.api is None or not fullname.startswith("mcp.servers.") or fullname.count(".") != 2:
            return None
        alias = fullname.rsplit(".", 1)[1]
        loaded = ", ".join(record["alias"] for record in cls.api.records) or "(none)"
        raise ModuleNotFoundError(
            f"No module named {fullname!r}: no server with alias {alias!r} is loaded in this run "
            f"(loaded aliases: {loaded}). Ask for it in run_python's `servers`.",
            name=fullname,
        )


class SandboxApi:
    """Everything one execute exposes; ``namespace()`` gives the globals the code runs with."""

    def __init__(self, frame, client):
        self._client = client
        options = frame.get("options") or {}
        self._call_timeout_ms = options.get("callTimeoutMs")
        servers = [server for server in frame.get("servers") or [] if isinstance(server, dict)]
        server_aliases = assign_aliases([server["name"] for server in servers], kind="server")
        self.records = []
        self.proxies = {}
        self.modules = {}
        for server, alias in zip(servers, server_aliases):
            tools = server.get("tools") or []
            tool_aliases = assign_aliases([tool["name"] for tool in tools], kind="tool")
            record = _server_record(server, alias, tool_aliases)
            functions = {}
            for tool, tool_alias in zip(tools, tool_aliases):
                functions[tool_alias] = make_proxy(
                    server_name=server["name"], server_alias=alias, tool=tool, tool_alias=tool_alias,
                    invoke=self.invoke,
                )
            self.records.append(record)
            self.proxies[server["name"]] = ServerProxy(record, functions)
            self.modules[alias] = self._server_module(record, functions)
        loaded = [record["name"] for record in self.records]
        discovered = frame.get("discovered")
        names = list(discovered) if isinstance(discovered, list) else []
        self.discovered = tuple(names + [name for name in loaded if name not in names])
        self.memory = Memory(client).functions()
        # Servers described or proxied for saved tools, by name.
        self._described = {}
        self._built = {}
        self.runtime = self._runtime_module()

    # -- calls -------------------------------------------------------------------------------------------------

    async def invoke(self, server, tool, arguments, timeout=None):
        params = {"server": server, "tool": tool, "arguments": arguments}
        timeout_ms = int(timeout * 1000) if timeout else self._call_timeout_ms
        if timeout_ms:
            params["timeoutMs"] = max(1, int(timeout_ms))
        try:
            result = await self._client.request("tools/call", params)
        except MCPError as error:
            error.server, error.tool = server, tool
            raise error.with_traceback(None) from None
        try:
            return unwrap_result(result, server=server, tool=tool)
        except McpToolError as error:
            raise error.with_traceback(None) from None

    async def _ask(self, method, params):
        try:
            return await self._client.request(method, params)
        except MCPError as error:
            raise error.with_traceback(None) from None

    def _ask_sync(self, method, params):
        try:
            return self._client.request_sync(method, params, timeout=SYNC_TIMEOUT_SECONDS)
        except MCPError as error:
            raise error.with_traceback(None) from None

    # -- lookups -----------------------------------------------------------------------------------------------

    def resolve_server(self, name):
        """The name of the server a name or alias stands for (loaded or discovered), or None."""
        record = self.loaded(name)
        if record is not None:
            return record["name"]
        if name in self.discovered:
            return name
        wanted = base_alias(name)
        return next((server for server in self.discovered if base_alias(server) == wanted), None)

    def server_record(self, name):
        """The record of a server by name or alias: loaded, or described by the host (blocking). MCPError if none."""
        record = self.loaded(name)
        if record is not None:
            return record
        server = self.resolve_server(name) or name
        cached = self._described.get(server)
        if cached is None:
            try:
                cached = self._record_from_host(self._ask_sync("servers/describe", {"server": server}), server)
            except MCPError as error:
                raise self._unknown(name, error).with_traceback(None) from None
            self._described[server] = cached
        return cached

    def server_proxy(self, name):
        """The proxy of a server by name or alias: the loaded one, or one built from the host's description."""
        record = self.loaded(name)
        if record is not None:
            return self.proxies[record["name"]]
        record = self.server_record(name)
        proxy = self._built.get(record["name"])
        if proxy is None:
            functions = {}
            for tool in record["tools"]:
                meta = {"name": tool["name"], "inputSchema": tool.get("input_schema") or {}}
                if tool.get("description"):
                    meta["description"] = tool["description"]
                functions[tool["alias"]] = make_proxy(
                    server_name=record["name"], server_alias=record["alias"], tool=meta, tool_alias=tool["alias"],
                    invoke=self.invoke,
                )
            proxy = self._built[record["name"]] = ServerProxy(record, functions)
        return proxy

    def loaded(self, name):
        """The record of a loaded server, by name or alias, or None."""
        for record in self.records:
            if name in (record["name"], record["alias"]):
                return record
        wanted = base_alias(name)
        for record in self.records:
            if record["alias"] == wanted:
                return record
        return None

    @staticmethod
    def _record_from_host(server, name):
        """A record from the host's answer to ``servers/describe`` (a ServerMeta)."""
        if not isinstance(server, dict) or not isinstance(server.get("name"), str):
            raise MCPError(f"the host sent no description of server {name!r}", code="INVALID_RESULT")
        tools = [tool for tool in server.get("tools") or [] if isinstance(tool, dict) and tool.get("name")]
        server = {**server, "tools": tools}
        tool_aliases = assign_aliases([tool["name"] for tool in tools], kind="tool")
        return _server_record(server, base_alias(server["name"]), tool_aliases)

    def _doc_from_host(self, item, detail):
        """Our doc format from a ToolDoc of ``tools/query`` / ``tools/search``: aliases added, schemas per detail."""
        server, tool = item.get("server"), item.get("tool")
        record = self.loaded(server)
        server_alias = record["alias"] if record else base_alias(server)
        tool_alias = next(
            (t["alias"] for t in (record or {"tools": []})["tools"] if t["name"] == tool),
            base_alias(tool, kind="tool"),
        )
        return _doc(server, server_alias, tool, tool_alias, detail, item)

    def _docs_from_host(self, result, key, detail):
        items = (result or {}).get(key) if isinstance(result, dict) else None
        return [
            self._doc_from_host(item, detail)
            for item in items or []
            if isinstance(item, dict) and isinstance(item.get("server"), str) and isinstance(item.get("tool"), str)
        ]

    def _hint(self, name):
        loaded = ", ".join(record["name"] for record in self.records) or "(none)"
        return (f"Server {name!r} is neither loaded in this run (loaded: {loaded}) nor known to the host. "
                f"See runtime.discovered_servers() for the servers there are.")

    def _unknown(self, name, error):
        if error.code in _UNSUPPORTED or error.code == "UNKNOWN_SERVER":
            return MCPError(self._hint(name), code="UNKNOWN_SERVER", server=name)
        return error

    def _search_local(self, query, limit, detail):
        tokens = [token for token in str(query).lower().split() if token]
        matches = []
        if not tokens:
            return matches
        for record in self.records:
            server_words = f"{record['name']} {record['alias']} {record.get('description', '')}"
            for tool in record["tools"]:
                haystack = " ".join((server_words, tool["name"], tool["alias"], tool.get("description") or "")).lower()
                if all(token in haystack for token in tokens):
                    matches.append(_tool_doc(record, tool, detail))
                    if len(matches) >= limit:
                        return matches
        return matches

    # -- modules -----------------------------------------------------------------------------------------------

    def _server_module(self, record, functions):
        module = types.ModuleType(f"mcp.servers.{record['alias']}")
        module.__doc__ = f"Tools of the MCP server {record['name']!r}." + (
            f"\n\n{record['description']}" if record.get("description") else ""
        )
        for alias, function in functions.items():
            setattr(module, alias, function)
        module.__all__ = list(functions)
        module.TOOLS = [dict(tool) for tool in record["tools"]]
        module.TOOL_MAP = {tool["alias"]: dict(tool) for tool in record["tools"]}
        module.SERVER_NAME = record["name"]
        return module

    def _runtime_module(self):
        api = self
        module = types.ModuleType("mcp.runtime")
        module.__doc__ = "Discovery and call helpers of the sandbox.\n\n" + CAPABILITY_SUMMARY

        def discovered_servers(detailed=False):
            """Names of every server the host knows (a tuple); with detailed=True, dicts with name and description."""
            if not detailed:
                return tuple(api.discovered)
            descriptions = {record["name"]: record.get("description", "") for record in api.records}
            try:
                listed = api._ask_sync("servers/list", {})
                for entry in listed.get("servers") or []:
                    if isinstance(entry, dict) and entry.get("name") and entry.get("description"):
                        descriptions.setdefault(entry["name"], entry["description"])
            except MCPError:
                pass
            return tuple({"name": name, "description": descriptions.get(name, "")} for name in api.discovered)

        def _names(result):
            names = []
            for entry in (result or {}).get("servers") or []:
                name = entry.get("name") if isinstance(entry, dict) else entry
                if isinstance(name, str):
                    names.append(name)
            return tuple(names)

        async def list_servers():
            """Names of the servers that can be selected (asks the host)."""
            try:
                return _names(await api._ask("servers/list", {}))
            except MCPError as error:
                if error.code in _UNSUPPORTED:
                    return tuple(api.discovered)
                raise

        def list_servers_sync():
            """list_servers() for plain code: blocks until the host answers."""
            try:
                return _names(api._ask_sync("servers/list", {}))
            except MCPError as error:
                if error.code in _UNSUPPORTED:
                    return tuple(api.discovered)
                raise

        def describe_server(name):
            """A server as a dict: name, alias, description, tools [{name, alias, description, input_schema}]."""
            record = api.loaded(name)
            if record is not None:
                return _copy_record(record)
            try:
                return api._record_from_host(api._ask_sync("servers/describe", {"server": name}), name)
            except MCPError as error:
                raise api._unknown(name, error).with_traceback(None) from None

        def list_loaded_server_metadata():
            """The servers loaded in this run (a tuple of dicts, as describe_server returns them)."""
            return tuple(_copy_record(record) for record in api.records)

        def list_tools_sync(server=None):
            """The tools of a server (a tuple of dicts with name, alias, description, input_schema)."""
            if server is None:
                raise MCPError("list_tools_sync(server) requires a server name")
            return tuple(describe_server(server)["tools"])

        async def list_tools(server):
            """The tools of a server (a list of dicts); asks the host for servers not loaded in this run."""
            record = api.loaded(server)
            if record is None:
                try:
                    record = api._record_from_host(await api._ask("servers/describe", {"server": server}), server)
                except MCPError as error:
                    raise api._unknown(server, error).with_traceback(None) from None
            return [dict(tool) for tool in record["tools"]]

        def _query_params(server, tool, detail):
            params = {"server": server, "detail": detail}
            if tool is not None:
                params["tool"] = tool
            return params

        async def query_tool_docs(server, tool=None, detail="summary"):
            """Docs of a server's tools (a list), or of one tool (a dict). detail: 'summary' or 'full' (schemas)."""
            detail = _normalise_detail(detail)
            record = api.loaded(server)
            if record is not None:
                docs = [_tool_doc(record, t, detail) for t in _matching_tools(record, tool)]
            else:
                try:
                    result = await api._ask("tools/query", _query_params(server, tool, detail))
                except MCPError as error:
                    raise api._unknown(server, error).with_traceback(None) from None
                docs = api._docs_from_host(result, "tools", detail)
                if tool is not None and not docs:
                    raise MCPError(f"Tool {tool!r} not found for server {server!r}", code="UNKNOWN_TOOL")
            return docs[0] if tool is not None and len(docs) == 1 else docs

        def query_tool_docs_sync(server, tool=None, detail="summary"):
            """query_tool_docs() for plain code; always returns a list."""
            detail = _normalise_detail(detail)
            record = api.loaded(server)
            if record is not None:
                return [_tool_doc(record, t, detail) for t in _matching_tools(record, tool)]
            try:
                result = api._ask_sync("tools/query", _query_params(server, tool, detail))
            except MCPError as error:
                raise api._unknown(server, error).with_traceback(None) from None
            docs = api._docs_from_host(result, "tools", detail)
            if tool is not None and not docs:
                raise MCPError(f"Tool {tool!r} not found for server {server!r}", code="UNKNOWN_TOOL")
            return docs

        def _limit(limit):
            try:
                return max(1, min(100, int(limit)))
            except (TypeError, ValueError):
                return 5

        async def search_tool_docs(query, *, limit=5, detail="summary"):
            """Tools of every server whose name or description contains all the words of ``query``."""
            detail, limit = _normalise_detail(detail), _limit(limit)
            try:
                result = await api._ask("tools/search", {"query": str(query), "limit": limit, "detail": detail})
            except MCPError as error:
                if error.code in _UNSUPPORTED:
                    return api._search_local(query, limit, detail)
                raise
            return api._docs_from_host(result, "results", detail)[:limit]

        def search_tool_docs_sync(query, *, limit=5, detail="summary"):
            """search_tool_docs() for plain code."""
            detail, limit = _normalise_detail(detail), _limit(limit)
            try:
                result = api._ask_sync("tools/search", {"query": str(query), "limit": limit, "detail": detail})
            except MCPError as error:
                if error.code in _UNSUPPORTED:
                    return api._search_local(query, limit, detail)
                raise
            return api._docs_from_host(result, "results", detail)[:limit]

        def capability_summary():
            """A short manual of the sandbox, for the model."""
            return CAPABILITY_SUMMARY

        async def call_tool(server, tool, arguments=None, *, timeout=None):
            """Calls any tool by server and tool name (or alias); returns what a proxy would. timeout: seconds."""
            record = api.loaded(server)
            server_name, tool_name = server, tool
            if record is not None:
                server_name = record["name"]
                for candidate in record["tools"]:
                    if tool in (candidate["name"], candidate["alias"]):
                        tool_name = candidate["name"]
                        break
            if arguments is not None and not isinstance(arguments, dict):
                raise TypeError("call_tool() arguments must be a dict")
            return await api.invoke(server_name, tool_name, dict(arguments or {}), timeout=timeout)

        exported = {
            "MCPError": MCPError,
            "McpToolError": McpToolError,
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
            **api.memory,
            **attachment_functions(api._client),
        }
        for name, value in exported.items():
            if callable(value) and not isinstance(value, type):
                value.__module__ = "mcp.runtime"
                value.__qualname__ = name
            setattr(module, name, value)
        module.__all__ = list(exported)
        return module

    # -- installation ------------------------------------------------------------------------------------------

    def install_modules(self):
        """Puts ``mcp``, ``mcp.servers``, ``mcp.servers.<alias>`` and ``mcp.runtime`` in sys.modules."""
        for name in [name for name in sys.modules if name == "mcp" or name.startswith("mcp.")]:
            del sys.modules[name]
        package = types.ModuleType("mcp")
        package.__doc__ = "MCP servers of this run (mcp.servers) and the sandbox helpers (mcp.runtime)."
        package.__path__ = []
        servers = types.ModuleType("mcp.servers")
        servers.__doc__ = "One module per loaded MCP server, named by its alias."
        servers.__path__ = []
        servers.__all__ = list(self.modules)
        package.servers = servers
        package.runtime = self.runtime
        sys.modules["mcp"] = package
        sys.modules["mcp.servers"] = servers
        sys.modules["mcp.runtime"] = self.runtime
        for alias, module in self.modules.items():
            setattr(servers, alias, module)
            sys.modules[module.__name__] = module
        _UnloadedServerFinder.api = self
        if _UnloadedServerFinder not in sys.meta_path:
            sys.meta_path.append(_UnloadedServerFinder)
        return package

    def namespace(self, package):
        by_alias = {record["alias"]: self.proxies[record["name"]] for record in self.records}
        names = {
            "mcp": package,
            "runtime": self.runtime,
            "mcp_servers": ServerDict(self.proxies, by_alias),
            "LOADED_MCP_SERVERS": tuple(record["name"] for record in self.records),
            "MCPError": MCPError,
            "McpToolError": McpToolError,
        }
        for alias, proxy in by_alias.items():
            names[f"mcp_{alias}"] = proxy
        names.update(self.memory)
        return names
