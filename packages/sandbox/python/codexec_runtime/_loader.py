# Stage one of the runtime, executed by the container's bootstrap command:
#   python3 -u -c "import sys;n=int(sys.stdin.buffer.readline());exec(compile(sys.stdin.buffer.read(n),...))"
# The host sends this file followed by `_codexec_boot({...})`: a table of module name -> source of the
# codexec_runtime package. It installs an importer serving those sources and starts the runtime.
# (importlib.abc is avoided on purpose: importing it pulls in importlib.resources, tempfile and more.)
from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from _typeshed.importlib import LoaderProtocol


class _SourceTable:
    """A meta path finder and loader for modules whose sources are in a dict."""

    def __init__(self, sources: dict[str, str], package: str) -> None:
        self._sources = sources
        self._package = package

    def _origin(self, fullname: str) -> str:
        path = fullname.replace(".", "/")
        return "<codexec-runtime>/" + (path + "/__init__.py" if fullname == self._package else path + ".py")

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: types.ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in self._sources:
            return None
        # The stubs' LoaderProtocol still asks for load_module, which imports have not used since exec_module.
        loader = cast("LoaderProtocol", self)
        return importlib.util.spec_from_loader(
            fullname, loader, origin=self._origin(fullname), is_package=fullname == self._package
        )

    def create_module(self, spec: ModuleSpec) -> types.ModuleType | None:
        return None

    def get_source(self, fullname: str) -> str:
        return self._sources[fullname]

    def exec_module(self, module: types.ModuleType) -> None:
        name = module.__name__
        code = compile(self._sources[name], self._origin(name), "exec", dont_inherit=True)
        exec(code, module.__dict__)


# Called by the line the host appends to this file (src/runtime-source.ts), which no checker sees.
def _codexec_boot(  # pyright: ignore[reportUnusedFunction]
    sources: dict[str, str], package: str = "codexec_runtime"
) -> None:
    sys.meta_path.insert(0, _SourceTable(sources, package))
    importlib.import_module(package + ".main").main()
