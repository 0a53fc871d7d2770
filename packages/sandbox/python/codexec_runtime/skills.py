"""Saved tools ("skills"): functions the code wrote once, kept by the host and loaded into every later run.

``save_tool(func)`` keeps the function's whole source with what it needs to run elsewhere (see ``skill_source``).
Names the sandbox provides (``mcp_<alias>`` proxies, ``mcp_servers``, ``runtime``, the memory functions, other saved
tools) are provided again wherever the tool runs: a proxy of a server that is not loaded in that run is built from
the host's description on first use.
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import linecache
import sys
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

from .aliases import base_alias
from .errors import MCPError, McpToolError
from .exports import export
from .servers import ServerProxy
from .skill_source import WHAT, check_name, mcp_names, skill_filename, standalone_source, tool_uses
from .wire import JsonObject, SkillMeta, object_or_empty, objects_in

if TYPE_CHECKING:
    from .api import SandboxApi

TIMEOUT_SECONDS = 120.0
_SKILL_MARK = "__codexec_skill__"


def _is_skill(value: object) -> bool:
    """Whether a value is a saved tool (or the session's function that stands for one)."""
    return bool(getattr(value, _SKILL_MARK, False))


class _LazyServer:
    """``mcp_<alias>`` inside a saved tool: the run's proxy if the server is loaded, else one built on first use."""

    def __init__(self, api: SandboxApi, alias: str) -> None:
        self._api = api
        self._alias = alias

    def __getattr__(self, name: str) -> object:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            proxy = self._api.server_proxy(self._alias)
        except MCPError as error:
            raise MCPError(f"mcp_{self._alias}: {error.message}", code=error.code) from None
        return getattr(proxy, name)

    def __repr__(self) -> str:
        return f"<MCP server mcp_{self._alias}, loaded on first use>"


class _LazyServers(dict[str, ServerProxy]):
    """``mcp_servers`` inside a saved tool."""

    def __init__(self, api: SandboxApi) -> None:
        super().__init__()
        self._api = api

    def __missing__(self, key: str) -> ServerProxy:
        return self._api.server_proxy(key)


def _stale_wrapper(func: Callable[..., object], name: str, reason: str) -> Callable[..., object]:
    """The function, adding to any error it raises that it may be out of date, and why."""
    note = f"saved tool {name} may be out of date: {reason}"

    def annotate(error: Exception) -> None:
        add_note = getattr(error, "add_note", None)  # Python 3.11+
        if add_note is not None:
            add_note(note)
        if error.args and isinstance(error.args[0], str):
            error.args = (f"{error.args[0]} ({note})",) + tuple(error.args[1:])
        if isinstance(error, MCPError):
            error.message = f"{error.message} ({note})"

    if inspect.iscoroutinefunction(func):
        coroutine_function = func

        @functools.wraps(func)
        async def wrapper(*args: object, **kwargs: object) -> object:
            try:
                return await coroutine_function(*args, **kwargs)
            except Exception as error:
                annotate(error)
                raise

        return wrapper

    @functools.wraps(func)
    def plain_wrapper(*args: object, **kwargs: object) -> object:
        try:
            return func(*args, **kwargs)
        except Exception as error:
            annotate(error)
            raise

    return plain_wrapper


def _failed_stub(name: str, why: str) -> Callable[..., NoReturn]:
    def stub(*args: object, **kwargs: object) -> NoReturn:
        raise RuntimeError(f"saved tool {name} could not be loaded: {why}")

    stub.__name__ = stub.__qualname__ = name
    return stub


class SkillLoader:
    """Loads the saved tools of each execute and provides ``save_tool`` and its kin."""

    def __init__(self) -> None:
        self._compiled: dict[tuple[str, str], types.CodeType] = {}
        self.loaded: dict[str, Callable[..., object]] = {}

    def _globals(self, api: SandboxApi, source: str, module_name: str) -> dict[str, object]:
        names: dict[str, object] = {
            "__name__": module_name,
            "__builtins__": builtins,
            "runtime": api.runtime,
            "mcp_servers": _LazyServers(api),
            "MCPError": MCPError,
            "McpToolError": McpToolError,
            **api.memory,
        }
        for alias in set(mcp_names(source)):
            names[f"mcp_{alias}"] = _LazyServer(api, alias)
        return names

    def _load(
        self, skill: SkillMeta, api: SandboxApi
    ) -> tuple[types.ModuleType, Callable[..., object], str | None]:
        name, source = skill["name"], skill["source"]
        key = (name, source)
        code = self._compiled.get(key)
        module = types.ModuleType(f"skills.{name}")
        module.__dict__.update(self._globals(api, source, module.__name__))
        linecache.cache[skill_filename(name)] = (len(source), None, source.splitlines(True), skill_filename(name))
        failure = None
        func: Callable[..., object]
        try:
            if code is None:
                code = self._compiled[key] = compile(source, skill_filename(name), "exec", dont_inherit=True)
            exec(code, module.__dict__)
            defined: object = module.__dict__.get(name)
            if not callable(defined):
                raise RuntimeError(f"its source does not define {name}")
            func = defined
        except Exception as error:
            failure = f"{type(error).__name__}: {error}"
            func = _failed_stub(name, failure)
        stale = skill.get("stale")
        if stale:
            func = _stale_wrapper(func, name, stale)
        try:
            setattr(func, _SKILL_MARK, True)
        except AttributeError:
            pass
        description = skill.get("description")
        if description and not getattr(func, "__doc__", None):
            func.__doc__ = description
        return module, func, failure

    def install(
        self, skills: list[SkillMeta], api: SandboxApi, namespace: dict[str, object], keep_user_names: bool
    ) -> None:
        """Loads ``skills`` as ``skills.<name>`` and as plain names; a session's own variables are never replaced."""
        package = types.ModuleType("skills")
        package.__doc__ = "Saved tools (save_tool): every function saved in this project."
        setattr(package, "__path__", [])
        modules: dict[str, types.ModuleType] = {}
        functions: dict[str, Callable[..., object]] = {}
        for skill in skills:
            module, func, _failure = self._load(skill, api)
            modules[skill["name"]], functions[skill["name"]] = module, func
        for module in modules.values():
            for name, func in functions.items():
                module.__dict__.setdefault(name, func)
        for name in [name for name in sys.modules if name == "skills" or name.startswith("skills.")]:
            del sys.modules[name]
        sys.modules["skills"] = package
        for name, func in functions.items():
            setattr(package, name, func)
            sys.modules[f"skills.{name}"] = modules[name]
            current = namespace.get(name)
            if not keep_user_names or current is None or _is_skill(current):
                namespace[name] = func
        setattr(package, "__all__", sorted(functions))
        self.loaded = functions
        namespace["skills"] = package
        exported = self.functions(api, namespace, package)
        namespace.update(exported)
        for name, function in exported.items():
            setattr(api.runtime, name, function)

    def functions(
        self, api: SandboxApi, namespace: dict[str, object], package: types.ModuleType
    ) -> dict[str, Callable[..., object]]:
        loader = self

        def ask(method: str, params: JsonObject) -> JsonObject:
            return object_or_empty(api.client.ask(
                method, params, timeout=TIMEOUT_SECONDS,
                unsupported="this sandbox keeps no saved tools: its host gave it no skill store",
                raises={"INVALID_NAME": ValueError, "INVALID_TOOL": ValueError, "CORRUPT": OSError, "IO": OSError},
            ))

        def save_tool(tool: object, name: str | None = None, description: object = None) -> str:
            """Saves a function (or its source as a string) for every later run, session and restart.

            The saved tool is then a plain name in the code, ``skills.<name>`` and ``from skills import <name>``;
            async functions stay async. Returns a short confirmation.
            """
            what = WHAT
            standalone = standalone_source(tool, name, set(loader.loaded))
            name, source, is_async = standalone.name, standalone.source, standalone.is_async
            if description is None:
                description = standalone.doc
            check_name(name, (base_alias(server) for server in api.catalog.discovered))
            try:
                compile(source, skill_filename(name), "exec", dont_inherit=True)
            except SyntaxError as error:
                raise SyntaxError(f"{what}: the saved source does not compile: {error.msg}") from None
            # Load it as later runs will, which checks its imports and gives its signature.
            module, func, failure = loader._load({"name": name, "source": source}, api)
            if failure is not None:
                raise ValueError(f"{what}: {name} would not load in a later run ({failure}); nothing was saved")
            try:
                signature = str(inspect.signature(func))
            except (TypeError, ValueError):
                signature = "(...)"
            uses: list[dict[str, str]] = []
            for kind, target, tool_name in tool_uses(ast.parse(source)):
                server = api.catalog.resolve_server(target)
                if server is None:
                    where = f"mcp_{target}" if kind == "alias" else repr(target)
                    raise ValueError(f"{what}: {name} calls {where}.{tool_name}, but there is no such server")
                record = api.catalog.server_record(server)
                real = next(
                    (t["name"] for t in record["tools"] if tool_name in (t["name"], t["alias"])), None
                )
                if real is None:
                    raise ValueError(f"{what}: {name} calls {server}.{tool_name}, but {server} has no such tool")
                use = {"server": server, "tool": real}
                if use not in uses:
                    uses.append(use)
            params: JsonObject = {
                "name": name, "source": source, "signature": signature, "async": is_async, "uses": uses,
            }
            if description:
                params["description"] = str(description)[:4000]
            ask("skills/save", params)
            saved: object = module.__dict__.get(name, func)
            setattr(saved, _SKILL_MARK, True)
            if not isinstance(tool, str) and getattr(tool, "__name__", None) == name:
                # The session's own function of that name now stands for the saved tool: later runs bind the saved
                # one (and its stale marks) in its place.
                setattr(tool, _SKILL_MARK, True)
            func = saved if callable(saved) else func
            loader.loaded[name] = func
            setattr(package, name, func)
            sys.modules[f"skills.{name}"] = module
            current = namespace.get(name)
            if current is None or _is_skill(current):
                namespace[name] = func
            calls = ", ".join(f"{u['server']}.{u['tool']}" for u in uses)
            return (
                f"Saved tool {name}{signature}{' (async)' if is_async else ''}"
                f"{'; it calls ' + calls if calls else ''}. Later runs have it as {name}(...) and "
                f"`from skills import {name}`."
            )

        def list_saved_tools() -> list[JsonObject]:
            """The saved tools: dicts with name, signature, description, async, uses, and stale when it may be
            out of date."""
            return [dict(skill) for skill in objects_in(ask("skills/list", {}).get("skills"))]

        def delete_saved_tool(name: object) -> bool:
            """Deletes a saved tool; True if there was one."""
            if not isinstance(name, str):
                raise TypeError("delete_saved_tool: the name must be a str")
            deleted = bool(ask("skills/delete", {"name": name}).get("deleted"))
            loader.loaded.pop(name, None)
            if hasattr(package, name):
                delattr(package, name)
            return deleted

        exported: dict[str, Callable[..., object]] = {
            "save_tool": save_tool,
            "list_saved_tools": list_saved_tools,
            "delete_saved_tool": delete_saved_tool,
        }
        export(exported)
        return exported
