"""The plugin's own tests run inner pytest sessions with ``pytester``."""

from __future__ import annotations

import textwrap

import pytest

# A small app the inner sessions import: a sequential function, a parallel one and
# one whose step asserts (for fail_on_assertion).
APP = """
import inngest

client = inngest.Inngest(app_id="plugin-tests", is_production=False)


@client.create_function(fn_id="steps", trigger=inngest.TriggerEvent(event="t/steps"), retries=2)
async def steps(ctx):
    n = ctx.event.data.get("n", 2)
    return [await ctx.step.run(f"s{i}", lambda i=i: i) for i in range(n)]


@client.create_function(fn_id="checks", trigger=inngest.TriggerEvent(event="t/checks"), retries=3)
def checks(ctx):
    def check():
        assert ctx.event.data.get("ok"), "the event is not ok"
        return "checked"

    return ctx.step.run("check", check)
"""

# Inner sessions run in this process, where the inngest_sim plugin is already
# imported, so pytest warns that it cannot rewrite its asserts: expected here.
INI = """
[pytest]
asyncio_mode = {mode}
asyncio_default_fixture_loop_scope = function
filterwarnings =
    error
    ignore:Support for class-based:pydantic.warnings.PydanticDeprecatedSince20
    ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning
"""


@pytest.fixture(scope="session", autouse=True)
def _warm_imports() -> None:
    """Run one simulation so the modules it imports lazily are loaded up front.

    pytester restores ``sys.modules`` after each inner session, so a module first
    imported inside one (fastapi, freezegun, the report) would be imported again
    by every inner session; loading them here saves about a second per session.
    """
    import hypothesis  # noqa: F401  (its pytest plugin imports it at the end of a session)
    import inngest

    import inngest_sim.report  # noqa: F401  (write_html)
    from inngest_sim import SyncSimulator

    client = inngest.Inngest(app_id="plugin-warm-up", is_production=False)

    @client.create_function(fn_id="warm", trigger=inngest.TriggerEvent(event="t/warm"))
    async def warm(ctx: inngest.Context) -> int:
        return int(await ctx.step.run("one", lambda: 1))

    with SyncSimulator(client, [warm]) as sim:
        sim.run(warm)


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """An inner project with the app module and asyncio in auto mode."""
    pytester.makeini(INI.format(mode="auto"))
    pytester.makepyfile(app=textwrap.dedent(APP))
    return pytester
