"""The installed version, as `duragraph --version` and /info report it."""
from __future__ import annotations

from importlib import metadata

from . import __version__


def version() -> str:
    """From the installed distribution (whatever it is named: the package may
    ship under another name than `duragraph`), else the source tree's."""
    for dist in metadata.packages_distributions().get("duragraph", []):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return __version__
