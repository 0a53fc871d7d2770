"""The Python side of @codexec/sandbox: the runtime that runs inside the container.

The host sends this package over stdin (see ``_loader.py``); nothing here may import anything outside the
standard library, and everything must work on Python 3.10+.
"""

PROTOCOL_VERSION = 1
# The minor revision (frame-protocol's PROTOCOL_REVISION): 2 adds persistent executes (sessions), 3 the limits report
# in hello.
PROTOCOL_REVISION = 3
