# Stage one of the runtime, executed by the container's bootstrap command:
#   python3 -u -c "import sys;n=int(sys.stdin.buffer.readline());exec(compile(sys.stdin.buffer.read(n),...))"
# The host sends this file followed by `_codexec_boot({...})`: a table of module name -> source of the
# codexec_runtime package. It installs an importer serving those sources and starts the runtime.
# (importlib.abc is avoided on purpose: importing it pulls in importlib.resources, tempfile and more.)
import importlib
import importlib.util
import sys


class _SourceTable:
    """A meta path finder and loader for modules whose sources are in a dict."""

    def __init__(self, sources, package):
        self._sources = sources
        self._package = package

    def _origin(self, fullname):
        path = fullname.replace(".", "/")
        return "<codexec-runtime>/" + (path + "/__init__.py" if fullname == self._package else path + ".py")

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self._sources:
            return None
        return importlib.util.spec_from_loader(
            fullname, self, origin=self._origin(fullname), is_package=fullname == self._package
        )

    def create_module(self, spec):
        return None

    def get_source(self, fullname):
        return self._sources[fullname]

    def exec_module(self, module):
        name = module.__name__
        code = compile(self._sources[name], self._origin(name), "exec", dont_inherit=True)
        exec(code, module.__dict__)


def _codexec_boot(sources, package="codexec_runtime"):
    sys.meta_path.insert(0, _SourceTable(sources, package))
    importlib.import_module(package + ".main").main()
