"""Apps syncing with the dev server: registrations checked and taken, URLs synced."""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

import httpx

from inngest_sim._bounded import DEFAULT_MAX_BYTES, ResponseTooLarge, send_limited
from inngest_sim._dev.guard import is_loopback_url
from inngest_sim._dev.validate import registration_problem
from inngest_sim._errors import InvalidArgument
from inngest_sim._flow.cron import parse_cron
from inngest_sim._flow.policy import parse_policy
from inngest_sim._server.registry import app_id_of

if TYPE_CHECKING:
    from inngest_sim._server.registry import FunctionSpec, Registry

__all__ = ["App", "Apps"]

log = logging.getLogger("inngest_sim.dev")


@dataclasses.dataclass(frozen=True, slots=True)
class App:
    id: str
    url: str
    sdk: str
    functions: tuple[str, ...]


class Apps:
    """Every app synced so far; their functions are in ``registry``.

    Args:
        remote: take apps served on other machines (``--allow-remote-apps``); by default
            an app's URLs must be on loopback, so a request cannot make the server call
            out to anywhere.
        moves: let an app that synced from one URL sync again from another
            (``--allow-app-moves``); by default that is refused, so a registration cannot
            quietly take over another app's functions and events.
    """

    def __init__(self, registry: Registry, *, remote: bool = False, moves: bool = False) -> None:
        self.registry = registry
        self.remote, self.moves = remote, moves
        self.apps: dict[str, App] = {}
        self.registrations = 0  # taken or refused: a sync that brings none went elsewhere

    def register(self, payload: dict[str, Any]) -> str | None:
        """A ``POST /fn/register``: None when taken, else why it is refused (a 400)."""
        self.registrations += 1
        app_id = app_id_of(payload)
        url = str(payload.get("url") or "")
        if not app_id:
            return _refused(url, "App ID required: the registration names no appname/appName")
        shape = registration_problem(payload)
        if shape is not None:
            return _refused(url, f"app {app_id!r}: {shape}")
        functions = payload["functions"]
        moved = self._moved(app_id, url)
        if moved is not None:
            return _refused(url, moved)
        try:
            specs = self.registry.read(app_id, functions)
            for spec in specs:
                self._check(spec)
            self.registry.sync(app_id, functions)
        except (InvalidArgument, httpx.InvalidURL) as exc:
            return _refused(url, str(exc))
        sdk = str(payload.get("sdk") or "")
        self.apps[app_id] = App(app_id, url, sdk, tuple(s.id for s in specs))
        log.info("synced app %r (%s): %d functions from %s", app_id, sdk, len(specs), url)
        return None

    def _moved(self, app_id: str, url: str) -> str | None:
        synced = self.apps.get(app_id)
        if synced is None or synced.url == url or self.moves:
            return None
        return (
            f"app {app_id!r} is synced from {synced.url}; a registration from {url or '(no url)'} "
            "would take over its functions and events. Stop the other app, or start "
            "inngest-sim dev with --allow-app-moves"
        )

    def url_problem(self, url: str, what: str) -> str | None:
        """Why the server will not call ``url`` (not on loopback, and not allowed), or None."""
        if self.remote or is_loopback_url(url):
            return None
        return (
            f"{what} {url!r} is not on this machine; the dev server calls only loopback "
            "apps unless started with --allow-remote-apps"
        )

    def _check(self, spec: FunctionSpec) -> None:
        """What the server would refuse at sync, refused at sync."""
        parse_policy(spec)
        for trigger in spec.triggers:
            if trigger.cron is not None:
                parse_cron(spec, {"cron": trigger.cron})
        if not httpx.URL(spec.url).scheme.startswith("http"):
            raise InvalidArgument(
                f"function {spec.id!r} has no http(s) steps.step.runtime.url "
                f"({spec.url!r}); the dev server calls the app there"
            )
        problem = self.url_problem(spec.url, f"function {spec.id!r}'s URL")
        if problem is not None:
            raise InvalidArgument(problem)

    async def sync_url(
        self, http: httpx.AsyncClient, url: str, *, server_url: str = "this server"
    ) -> str | None:
        """Ask the app at ``url`` to register (a PUT, as the dev server's sync does)."""
        before = self.registrations
        try:
            request = http.build_request(
                "PUT", url, headers={"x-inngest-server-kind": "dev"}, timeout=10
            )
            response = await send_limited(http, request, DEFAULT_MAX_BYTES)
        except ResponseTooLarge as exc:
            problem = (
                f"the app at {url} answered the sync with a body of {exc}, past the "
                f"{DEFAULT_MAX_BYTES:,}-byte limit; reading stopped there. Is an SDK serving "
                "Inngest at that path?"
            )
            log.warning(problem)
            return problem
        except httpx.HTTPError as exc:
            problem = (
                f"cannot sync the app at {url}: {type(exc).__name__}: {exc or 'no answer'}; "
                "is it running, and serving Inngest at that path? Sync it later with "
                "PUT <its serve URL> or POST /sim/apps?url=..."
            )
            log.warning(problem)
            return problem
        if response.status_code >= 300:
            problem = (
                f"the app at {url} answered the sync with {response.status_code}: "
                f"{response.text[:300]}"
            )
            log.warning(problem)
            return problem
        if self.registrations == before:
            # The SDK registers with the server its client names, not with whoever asked.
            problem = (
                f"the app at {url} answered the sync but registered somewhere else: its "
                f"Inngest client points at another server, not {server_url}. Make the client "
                "after the dev server starts (INNGEST_BASE_URL is read when a client is made), "
                "or give it api_base_url and event_api_base_url"
            )
            log.warning(problem)
            return problem
        return None


def _refused(url: str, problem: str) -> str:
    log.warning("refused a registration from %s: %s", url or "(no url)", problem)
    return problem
