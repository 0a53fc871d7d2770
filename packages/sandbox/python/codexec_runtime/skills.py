"""Saved tools ("skills"): functions the code wrote once, kept by the host and loaded into every later run.

``save_tool(func)`` keeps the function's whole source with what it needs to run elsewhere: for every global name it
uses, an ``import`` (modules, and objects imported from modules), the source of a helper function of the session it
calls, or the value of a JSON-like constant. Names the sandbox provides (``mcp_<alias>`` proxies, ``mcp_servers``,
``runtime``, the memory functions, other saved tools) are provided again wherever the tool runs: a proxy of a server
that is not loaded in that run is built from the host's description on first use. A global that cannot be carried
(an open file, a class instance) is a clear error at save time, and nothing is saved.
"""

import ast
import builtins
import functools
import inspect
import json
import keyword
import linecache
import symtable
import sys
import textwrap
import types

from .aliases import base_alias
from .errors import MCPError

# Attributes of a server proxy that are not tools.
_PROXY_ATTRIBUTES = {"list_tools", "name", "alias", "description", "tools"}
# Names every run provides, which a saved tool may use without carrying them.
_PROVIDED = {
    "mcp", "runtime", "mcp_servers", "LOADED_MCP_SERVERS", "MCPError", "McpToolError", "skills",
    "save_memory", "load_memory", "update_memory", "delete_memory", "list_memories", "memory_exists",
    "get_memory_info", "save_tool", "list_saved_tools", "delete_saved_tool",
}
_MAX_CONSTANT_CHARS = 10_000
TIMEOUT_SECONDS = 120.0


def _filename(name):
    return f"<skill {name}>"


def _top_level_defs(tree):
    return [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _free_globals(source):
    """Global names the source reads but does not define (builtins excluded)."""
    table = symtable.symtable(source, "<skill>", "exec")
    defined = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    used = {s.get_name() for s in table.get_symbols() if s.is_referenced()}

    def walk(scope):
        for symbol in scope.get_symbols():
            if symbol.is_global() and symbol.is_referenced():
                used.add(symbol.get_name())
        for child in scope.get_children():
            walk(child)

    for child in table.get_children():
        walk(child)
    return {name for name in used - defined if not hasattr(builtins, name)}


def _is_provided(name, skill_names):
    return name in _PROVIDED or name.startswith("mcp_") or name in skill_names


def _constant_source(value):
    """``repr`` of a JSON-like constant that evaluates back to an equal value, or None."""
    if not isinstance(value, (type(None), bool, int, float, str, list, tuple, dict)):
        return None
    try:
        json.dumps(value, allow_nan=False)
        text = repr(value)
        if len(text) > _MAX_CONSTANT_CHARS or ast.literal_eval(text) != value:
            return None
    except (TypeError, ValueError, SyntaxError, RecursionError, MemoryError):
        return None
    return text


def _function_source(func, what):
    if func.__name__ == "<lambda>":
        raise ValueError(f"{what}: a lambda cannot be saved; define the function with def")
    if "." in func.__qualname__:
        raise ValueError(f"{what}: {func.__qualname__} is not a top-level function; define it at the top level")
    if func.__closure__:
        raise ValueError(
            f"{what}: {func.__name__} uses variables of an enclosing function (a closure); define it at the top level"
        )
    try:
        return textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        raise ValueError(
            f"{what}: the source of {func.__name__} cannot be found; define it in the code of a run (or pass its "
            "source as a string)"
        ) from None


def _carry(func, skill_names, seen, header, what):
    """Adds to ``header`` what the function's globals need, depth first; returns the function's own source."""
    source = _function_source(func, what)
    try:
        free = _free_globals(source)
    except SyntaxError as error:
        raise ValueError(f"{what}: the source of {func.__name__} cannot be parsed: {error}") from None
    for name in sorted(free):
        if name in seen or _is_provided(name, skill_names):
            continue
        seen.add(name)
        if name not in func.__globals__:
            raise ValueError(f"{what}: {func.__name__} uses the name {name!r}, which is not defined")
        value = func.__globals__[name]
        if getattr(value, "__codexec_skill__", False):
            continue
        if isinstance(value, types.ModuleType):
            header.append(f"import {value.__name__}" if value.__name__ == name else f"import {value.__name__} as {name}")
            continue
        module_name = getattr(value, "__module__", None)
        qualname = getattr(value, "__qualname__", None)
        if module_name and module_name != "__main__" and qualname and "." not in qualname:
            module = sys.modules.get(module_name)
            if module is not None and getattr(module, qualname, None) is value:
                header.append(f"from {module_name} import {qualname}" + ("" if qualname == name else f" as {name}"))
                continue
        if inspect.isfunction(value) and value.__module__ == "__main__":
            helper = _carry(value, skill_names, seen, header, what)
            header.append(helper if value.__name__ == name else f"{helper}\n{name} = {value.__name__}")
            continue
        constant = _constant_source(value)
        if constant is not None:
            header.append(f"{name} = {constant}")
            continue
        raise ValueError(
            f"{what}: {func.__name__} uses the global {name!r} ({type(value).__name__}), which cannot be saved with "
            "it; pass it as an argument, or create it inside the function"
        )
    return source


def _uses(tree):
    """``(kind, server or alias, tool)`` of every upstream call written in the source."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            value = node.value
            if isinstance(value, ast.Name) and value.id.startswith("mcp_") and value.id != "mcp_servers":
                if node.attr not in _PROXY_ATTRIBUTES and not node.attr.startswith("_"):
                    found.append(("alias", value.id[4:], node.attr))
            elif (
                isinstance(value, ast.Subscript)
                and isinstance(value.value, ast.Name)
                and value.value.id == "mcp_servers"
                and isinstance(value.slice, ast.Constant)
                and isinstance(value.slice.value, str)
                and node.attr not in _PROXY_ATTRIBUTES
            ):
                found.append(("server", value.slice.value, node.attr))
        elif isinstance(node, ast.Call) and len(node.args) >= 2:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            first, second = node.args[0], node.args[1]
            if (
                name == "call_tool"
                and isinstance(first, ast.Constant) and isinstance(first.value, str)
                and isinstance(second, ast.Constant) and isinstance(second.value, str)
            ):
                found.append(("server", first.value, second.value))
    return found


class _LazyServer:
    """``mcp_<alias>`` inside a saved tool: the run's proxy if the server is loaded, else one built on first use."""

    def __init__(self, api, alias):
        self._api = api
        self._alias = alias

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            proxy = self._api.server_proxy(self._alias)
        except MCPError as error:
            raise MCPError(f"mcp_{self._alias}: {error.message}", code=error.code) from None
        return getattr(proxy, name)

    def __repr__(self):
        return f"<MCP server mcp_{self._alias}, loaded on first use>"


class _LazyServers(dict):
    """``mcp_servers`` inside a saved tool."""

    def __init__(self, api):
        super().__init__()
        self._api = api

    def __missing__(self, key):
        return self._api.server_proxy(key)


def _stale_wrapper(func, name, reason):
    """The function, adding to any error it raises that it may be out of date, and why."""
    note = f"saved tool {name} may be out of date: {reason}"

    def annotate(error):
        if hasattr(error, "add_note"):
            error.add_note(note)
        if error.args and isinstance(error.args[0], str):
            error.args = (f"{error.args[0]} ({note})",) + tuple(error.args[1:])
        if isinstance(error, MCPError):
            error.message = f"{error.message} ({note})"

    if inspect.iscoroutinefunction(func):
        @functools.wraps(func)
        async def wrapper(*args, **kwargs):
            try:
                return await func(*args, **kwargs)
            except Exception as error:
                annotate(error)
                raise
    else:
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except Exception as error:
                annotate(error)
                raise
    return wrapper


def _failed_stub(name, why):
    def stub(*args, **kwargs):
        raise RuntimeError(f"saved tool {name} could not be loaded: {why}")

    stub.__name__ = stub.__qualname__ = name
    return stub


class SkillLoader:
    """Loads the saved tools of each execute and provides ``save_tool`` and its kin."""

    def __init__(self):
        self._compiled = {}
        self.loaded = {}

    def _globals(self, api, source, module_name):
        names = {
            "__name__": module_name,
            "__builtins__": builtins,
            "runtime": api.runtime,
            "mcp_servers": _LazyServers(api),
            "MCPError": api.runtime.MCPError,
            "McpToolError": api.runtime.McpToolError,
            **api.memory,
        }
        for alias in set(_mcp_names(source)):
            names[f"mcp_{alias}"] = _LazyServer(api, alias)
        return names

    def _load(self, skill, api):
        name, source = skill["name"], skill["source"]
        key = (name, source)
        code = self._compiled.get(key)
        module = types.ModuleType(f"skills.{name}")
        module.__dict__.update(self._globals(api, source, module.__name__))
        linecache.cache[_filename(name)] = (len(source), None, source.splitlines(True), _filename(name))
        failure = None
        try:
            if code is None:
                code = self._compiled[key] = compile(source, _filename(name), "exec", dont_inherit=True)
            exec(code, module.__dict__)
            func = module.__dict__.get(name)
            if not callable(func):
                raise RuntimeError(f"its source does not define {name}")
        except Exception as error:
            failure = f"{type(error).__name__}: {error}"
            func = _failed_stub(name, failure)
        if skill.get("stale"):
            func = _stale_wrapper(func, name, skill["stale"])
        try:
            func.__codexec_skill__ = True
        except AttributeError:
            pass
        if skill.get("description") and not getattr(func, "__doc__", None):
            func.__doc__ = skill["description"]
        return module, func, failure

    def install(self, skills, api, namespace, keep_user_names):
        """Loads ``skills`` as ``skills.<name>`` and as plain names; a session's own variables are never replaced."""
        package = types.ModuleType("skills")
        package.__doc__ = "Saved tools (save_tool): every function saved in this project."
        package.__path__ = []
        modules, functions = {}, {}
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
            if not keep_user_names or current is None or getattr(current, "__codexec_skill__", False):
                namespace[name] = func
        package.__all__ = sorted(functions)
        self.loaded = functions
        namespace["skills"] = package
        exported = self.functions(api, namespace, package)
        namespace.update(exported)
        for name, function in exported.items():
            setattr(api.runtime, name, function)

    def functions(self, api, namespace, package):
        loader = self

        def ask(method, params):
            return api._client.ask(
                method, params, timeout=TIMEOUT_SECONDS,
                unsupported="this sandbox keeps no saved tools: its host gave it no skill store",
                raises={"INVALID_NAME": ValueError, "INVALID_TOOL": ValueError, "CORRUPT": OSError, "IO": OSError},
            )

        def save_tool(tool, name=None, description=None):
            """Saves a function (or its source as a string) for every later run, session and restart.

            The saved tool is then a plain name in the code, ``skills.<name>`` and ``from skills import <name>``;
            async functions stay async. Returns a short confirmation.
            """
            what = "save_tool"
            skill_names = set(loader.loaded)
            if isinstance(tool, str):
                source = textwrap.dedent(tool).strip("\n") + "\n"
                try:
                    tree = ast.parse(source, "<save_tool>", "exec")
                except SyntaxError as error:
                    raise SyntaxError(f"{what}: the source does not compile: {error.msg} (line {error.lineno})") from None
                defs = _top_level_defs(tree)
                if name is None:
                    if len(defs) != 1:
                        raise ValueError(f"{what}: the source defines {len(defs)} functions; say which with name=")
                    name = defs[0].name
                elif name not in {node.name for node in defs}:
                    raise ValueError(f"{what}: the source defines no function {name!r}")
                missing = sorted(n for n in _free_globals(source) if not _is_provided(n, skill_names | {name}))
                if missing:
                    raise ValueError(f"{what}: the source uses {', '.join(missing)}, which it does not define or import")
                is_async = isinstance(next(node for node in defs if node.name == name), ast.AsyncFunctionDef)
            elif inspect.isfunction(tool):
                original = tool.__name__
                name = original if name is None else name
                header = []
                body = _carry(tool, skill_names | {name}, {original}, header, what)
                if name != original:
                    body = f"{body}\n{name} = {original}"
                source = "\n\n".join([*dict.fromkeys(header), body]).strip("\n") + "\n"
                is_async = inspect.iscoroutinefunction(tool)
                if description is None and tool.__doc__:
                    description = inspect.cleandoc(tool.__doc__)
            else:
                raise TypeError(f"{what} takes a function defined with def, or its source as a string")

            _check_name(name, api)
            try:
                compile(source, _filename(name), "exec", dont_inherit=True)
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
            uses = []
            for kind, target, tool_name in _uses(ast.parse(source)):
                server = api.resolve_server(target)
                if server is None:
                    where = f"mcp_{target}" if kind == "alias" else repr(target)
                    raise ValueError(f"{what}: {name} calls {where}.{tool_name}, but there is no such server")
                record = api.server_record(server)
                real = next(
                    (t["name"] for t in record["tools"] if tool_name in (t["name"], t["alias"])), None
                )
                if real is None:
                    raise ValueError(f"{what}: {name} calls {server}.{tool_name}, but {server} has no such tool")
                use = {"server": server, "tool": real}
                if use not in uses:
                    uses.append(use)
            params = {"name": name, "source": source, "signature": signature, "async": is_async, "uses": uses}
            if description:
                params["description"] = str(description)[:4000]
            ask("skills/save", params)
            func = module.__dict__.get(name, func)
            func.__codexec_skill__ = True
            if not isinstance(tool, str) and tool.__name__ == name:
                # The session's own function of that name now stands for the saved tool: later runs bind the saved
                # one (and its stale marks) in its place.
                tool.__codexec_skill__ = True
            loader.loaded[name] = func
            setattr(package, name, func)
            sys.modules[f"skills.{name}"] = module
            current = namespace.get(name)
            if current is None or getattr(current, "__codexec_skill__", False):
                namespace[name] = func
            calls = ", ".join(f"{u['server']}.{u['tool']}" for u in uses)
            return (
                f"Saved tool {name}{signature}{' (async)' if is_async else ''}"
                f"{'; it calls ' + calls if calls else ''}. Later runs have it as {name}(...) and "
                f"`from skills import {name}`."
            )

        def list_saved_tools():
            """The saved tools: dicts with name, signature, description, async, uses, and stale when it may be
            out of date."""
            return [dict(skill) for skill in (ask("skills/list", {}) or {}).get("skills") or []]

        def delete_saved_tool(name):
            """Deletes a saved tool; True if there was one."""
            if not isinstance(name, str):
                raise TypeError("delete_saved_tool: the name must be a str")
            deleted = bool((ask("skills/delete", {"name": name}) or {}).get("deleted"))
            loader.loaded.pop(name, None)
            if hasattr(package, name):
                delattr(package, name)
            return deleted

        exported = {
            "save_tool": save_tool,
            "list_saved_tools": list_saved_tools,
            "delete_saved_tool": delete_saved_tool,
        }
        for exported_name, function in exported.items():
            function.__module__ = "mcp.runtime"
            function.__qualname__ = exported_name
        return exported


def _mcp_names(source):
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [
        node.id[4:]
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id.startswith("mcp_") and node.id != "mcp_servers"
    ]


def _check_name(name, api):
    what = "save_tool"
    if not isinstance(name, str) or not name.isidentifier() or len(name) > 100:
        raise ValueError(f"{what}: {name!r} is not a name: use a Python identifier of at most 100 characters")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise ValueError(f"{what}: {name!r} is a Python keyword")
    if hasattr(builtins, name):
        raise ValueError(f"{what}: {name!r} would shadow the builtin {name}(); choose another name")
    if name in _PROVIDED or name.startswith("mcp_") or name.startswith("_"):
        raise ValueError(f"{what}: {name!r} is a name the sandbox provides (or private); choose another name")
    aliases = {base_alias(server) for server in api.discovered}
    if name in aliases:
        raise ValueError(f"{what}: {name!r} is the alias of an MCP server (mcp_{name}); choose another name")
