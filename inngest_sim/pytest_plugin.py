"""The pytest plugin's public names; pytest loads the plugin from ``_inngest_sim_pytestplugin``.

pytest loads the plugin through the ``pytest11`` entry point, from a module outside this
package so that loading it imports neither the simulator nor the SDK (Hypothesis does the
same). Do not also register this module with ``-p``: its fixtures and hooks are the same objects.
"""

from __future__ import annotations

from _inngest_sim_pytestplugin import (
    inngest_client,
    inngest_dev_server,
    inngest_functions,
    inngest_golden_histories,
    inngest_sim,
    inngest_sim_sync,
)

__all__ = [
    "inngest_client",
    "inngest_dev_server",
    "inngest_functions",
    "inngest_golden_histories",
    "inngest_sim",
    "inngest_sim_sync",
]
