"""What ``save_tool`` keeps: a function's source made to stand alone, the calls to servers it makes, its name.

For every global name the function uses, the source gets an ``import`` (modules, and objects imported from
modules), the source of a helper function of the session it calls, or the value of a JSON-like constant. Names the
sandbox provides are provided again wherever the tool runs, so they are not carried. A global that cannot be
carried (an open file, a class instance) is a clear ValueError, and nothing is saved. Pure: nothing here asks the
host.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import json
import keyword
import symtable
import sys
import textwrap
import types
from collections.abc import Container, Iterable
from typing import Literal, NamedTuple

WHAT = "save_tool"
# Attributes of a server proxy that are not tools.
PROXY_ATTRIBUTES = {"list_tools", "name", "alias", "description", "tools"}
# Names every run provides, which a saved tool may use without carrying them.
PROVIDED = {
    "mcp", "runtime", "mcp_servers", "LOADED_MCP_SERVERS", "MCPError", "McpToolError", "skills",
    "save_memory", "load_memory", "update_memory", "delete_memory", "list_memories", "memory_exists",
    "get_memory_info", "save_tool", "list_saved_tools", "delete_saved_tool",
}
_MAX_CONSTANT_CHARS = 10_000


def skill_filename(name: str) -> str:
    """The file name of a saved tool's source, in tracebacks and ``linecache``."""
    return f"<skill {name}>"


class ToolSource(NamedTuple):
    name: str
    source: str
    is_async: bool
    # The function's docstring, cleaned, when it was given as a function.
    doc: str | None


class Use(NamedTuple):
    """An upstream call written in a saved tool: ``mcp_<target>.<tool>`` (kind ``alias``), or by server name."""

    kind: Literal["alias", "server"]
    target: str
    tool: str


def _top_level_defs(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def free_globals(source: str) -> set[str]:
    """Global names the source reads but does not define (builtins excluded)."""
    table = symtable.symtable(source, "<skill>", "exec")
    defined = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    used = {s.get_name() for s in table.get_symbols() if s.is_referenced()}

    def walk(scope: symtable.SymbolTable) -> None:
        for symbol in scope.get_symbols():
            if symbol.is_global() and symbol.is_referenced():
                used.add(symbol.get_name())
        for child in scope.get_children():
            walk(child)

    for child in table.get_children():
        walk(child)
    return {name for name in used - defined if not hasattr(builtins, name)}


def is_provided(name: str, skill_names: Container[str]) -> bool:
    return name in PROVIDED or name.startswith("mcp_") or name in skill_names


def _json_like(value: object) -> bool:
    return isinstance(value, (type(None), bool, int, float, str, list, tuple, dict))


def _constant_source(value: object) -> str | None:
    """``repr`` of a JSON-like constant that evaluates back to an equal value, or None."""
    if not _json_like(value):
        return None
    try:
        json.dumps(value, allow_nan=False)
        text = repr(value)
        if len(text) > _MAX_CONSTANT_CHARS or ast.literal_eval(text) != value:
            return None
    except (TypeError, ValueError, SyntaxError, RecursionError, MemoryError):
        return None
    return text


def _function_source(func: types.FunctionType, what: str) -> str:
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


def _carry(func: types.FunctionType, skill_names: set[str], seen: set[str], header: list[str], what: str) -> str:
    """Adds to ``header`` what the function's globals need, depth first; returns the function's own source."""
    source = _function_source(func, what)
    try:
        free = free_globals(source)
    except SyntaxError as error:
        raise ValueError(f"{what}: the source of {func.__name__} cannot be parsed: {error}") from None
    for name in sorted(free):
        if name in seen or is_provided(name, skill_names):
            continue
        seen.add(name)
        if name not in func.__globals__:
            raise ValueError(f"{what}: {func.__name__} uses the name {name!r}, which is not defined")
        value: object = func.__globals__[name]
        if getattr(value, "__codexec_skill__", False):
            continue
        if isinstance(value, types.ModuleType):
            module_import = f"import {value.__name__}"
            header.append(module_import if value.__name__ == name else f"{module_import} as {name}")
            continue
        module_name = getattr(value, "__module__", None)
        qualname = getattr(value, "__qualname__", None)
        if isinstance(module_name, str) and module_name != "__main__" and isinstance(qualname, str) and (
            qualname and "." not in qualname
        ):
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


def standalone_source(tool: object, name: str | None, skill_names: set[str]) -> ToolSource:
    """The source ``save_tool`` keeps for a function, or for source text defining one (``name`` picks which)."""
    what = WHAT
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
        missing = sorted(n for n in free_globals(source) if not is_provided(n, skill_names | {name}))
        if missing:
            raise ValueError(f"{what}: the source uses {', '.join(missing)}, which it does not define or import")
        is_async = isinstance(next(node for node in defs if node.name == name), ast.AsyncFunctionDef)
        return ToolSource(name, source, is_async, None)
    if inspect.isfunction(tool):
        original = tool.__name__
        name = original if name is None else name
        header: list[str] = []
        body = _carry(tool, skill_names | {name}, {original}, header, what)
        if name != original:
            body = f"{body}\n{name} = {original}"
        source = "\n\n".join([*dict.fromkeys(header), body]).strip("\n") + "\n"
        doc = inspect.cleandoc(tool.__doc__) if tool.__doc__ else None
        return ToolSource(name, source, inspect.iscoroutinefunction(tool), doc)
    raise TypeError(f"{what} takes a function defined with def, or its source as a string")


def tool_uses(tree: ast.AST) -> list[Use]:
    """Every upstream call written in the source: ``mcp_<alias>.tool``, ``mcp_servers['name'].tool`` and
    ``call_tool('server', 'tool', ...)``."""
    found: list[Use] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            value = node.value
            if isinstance(value, ast.Name) and value.id.startswith("mcp_") and value.id != "mcp_servers":
                if node.attr not in PROXY_ATTRIBUTES and not node.attr.startswith("_"):
                    found.append(Use("alias", value.id[4:], node.attr))
            elif (
                isinstance(value, ast.Subscript)
                and isinstance(value.value, ast.Name)
                and value.value.id == "mcp_servers"
                and isinstance(value.slice, ast.Constant)
                and isinstance(server := value.slice.value, str)
                and node.attr not in PROXY_ATTRIBUTES
            ):
                found.append(Use("server", server, node.attr))
        elif isinstance(node, ast.Call) and len(node.args) >= 2:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            first, second = node.args[0], node.args[1]
            if (
                name == "call_tool"
                and isinstance(first, ast.Constant) and isinstance(server := first.value, str)
                and isinstance(second, ast.Constant) and isinstance(tool := second.value, str)
            ):
                found.append(Use("server", server, tool))
    return found


def mcp_names(source: str) -> list[str]:
    """The aliases of every ``mcp_<alias>`` name the source uses."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [
        node.id[4:]
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id.startswith("mcp_") and node.id != "mcp_servers"
    ]


def check_name(name: object, server_aliases: Iterable[str]) -> str:
    """The name a tool is saved under, or a ValueError saying why it cannot be one."""
    what = WHAT
    if not isinstance(name, str) or not name.isidentifier() or len(name) > 100:
        raise ValueError(f"{what}: {name!r} is not a name: use a Python identifier of at most 100 characters")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise ValueError(f"{what}: {name!r} is a Python keyword")
    if hasattr(builtins, name):
        raise ValueError(f"{what}: {name!r} would shadow the builtin {name}(); choose another name")
    if name in PROVIDED or name.startswith("mcp_") or name.startswith("_"):
        raise ValueError(f"{what}: {name!r} is a name the sandbox provides (or private); choose another name")
    if name in set(server_aliases):
        raise ValueError(f"{what}: {name!r} is the alias of an MCP server (mcp_{name}); choose another name")
    return name
