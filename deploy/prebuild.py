"""Zappa's ``prebuild_script``: refuse stray local files before anything is packaged.

Bytecode is compiled after Zappa writes the zip, by the runtime's own
interpreter (:mod:`deploy.runtime_package`, the ``zip`` callback): bytecode
made here by the deploying machine's Python would be another interpreter's.
"""

from __future__ import annotations

__all__ = ["prebuild"]


def prebuild() -> None:
    """Entry point named in zappa_settings.json."""
    from deploy.package_guard import refuse_untracked_files

    refuse_untracked_files()
