"""The installed version, as `duragraph --version` and /info report it."""

from __future__ import annotations

import argparse
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


class VersionAction(argparse.Action):
    """`--version`, looked up only when asked (scanning the installed
    distributions takes a quarter of a second)."""

    def __init__(
        self,
        option_strings: list[str],
        dest: str = argparse.SUPPRESS,
        default: str = argparse.SUPPRESS,
        help: str = "print the version",
    ) -> None:
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"duragraph {version()}")
        parser.exit(0)
