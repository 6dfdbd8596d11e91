"""Choosing the order in which parallel steps finish."""

from __future__ import annotations

import inngest
import pytest

from inngest_sim import InvalidArgument, Simulator


def _racer() -> tuple[inngest.Inngest, inngest.Function]:  # type: ignore[type-arg]
    client = inngest.Inngest(app_id="order", is_production=False)

    @client.create_function(fn_id="race", trigger=inngest.TriggerEvent(event="o/race"))
    async def race(ctx: inngest.Context) -> list[str]:
        done = await ctx.group.parallel(
            tuple((lambda n=n: ctx.step.run(n, lambda: n)) for n in ("a", "b", "c", "d"))
        )
        return list(done)

    return client, race


async def _order(**options: object) -> list[str]:
    client, race = _racer()
    async with Simulator(client, [race], **options) as sim:  # type: ignore[arg-type]
        run = await sim.run(race)
    assert run.output == ["a", "b", "c", "d"]  # results keep code order whatever finished first
    return run.completion_order


async def test_an_explicit_order_decides_which_step_finishes_first() -> None:
    assert await _order(completion_order=["c", "a", "d", "b"]) == ["c", "a", "d", "b"]
    assert await _order(completion_order=["d"]) == ["d", "a", "b", "c"]


async def test_a_seed_gives_a_repeatable_order_and_seeds_differ() -> None:
    orders = {seed: await _order(completion_order=seed) for seed in range(8)}
    assert await _order(completion_order=3) == orders[3]
    assert len({tuple(o) for o in orders.values()}) > 1
    assert all(sorted(o) == ["a", "b", "c", "d"] for o in orders.values())


async def test_completion_order_and_request_latency_do_not_mix() -> None:
    client, race = _racer()
    with pytest.raises(InvalidArgument, match="not both"):
        Simulator(client, [race], completion_order=1, request_latency=2.0)
    with pytest.raises(InvalidArgument, match="is a string"):
        Simulator(client, [race], completion_order="abc")  # type: ignore[arg-type]
