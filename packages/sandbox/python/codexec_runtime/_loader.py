# Stage one of the runtime, executed by the container's bootstrap command:
#   python3 -u -c "import sys;n=int(sys.stdin.buffer.readline());exec(compile(sys.stdin.buffer.read(n),...))"
# The host sends this file followed by `_codexec_boot({...})`: a table of module name -> source of the
# codexec_runtime package. It installs an importer serving those sources and starts the runtime.
import importlib.abc
import importlib.util
import sys


class _SourceTable(importlib.abc.MetaPathFinder, importlib.abc.InspectLoader):
    def __init__(self, sources, package):
        self._sources = sources
        self._package = package

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self._sources:
            return None
        is_package = fullname == self._package
        origin = "<codexec-runtime>/" + fullname.replace(".", "/") + ("/__init__.py" if is_package else ".py")
        spec = importlib.util.spec_from_loader(fullname, self, origin=origin, is_package=is_package)
        return spec

    def get_source(self, fullname):
        return self._sources[fullname]

    def get_code(self, fullname):
        spec = self.find_spec(fullname)
        return compile(self._sources[fullname], spec.origin, "exec", dont_inherit=True)

    def exec_module(self, module):
        exec(self.get_code(module.__name__), module.__dict__)


def _codexec_boot(sources, package="codexec_runtime"):
    sys.meta_path.insert(0, _SourceTable(sources, package))
    main = importlib.import_module(package + ".main")
    main.main()
