"""The shop app the REST API v2 and MCP tests drive: a payment function, and an order
function that reserves, packs, waits for the shipment (ten minutes) and invokes the payment."""

from __future__ import annotations

import datetime as dt
from typing import Any

import inngest

from inngest_sim.dev import DevServerClient
from tests.dev.test_dev_server import App


def shop_app(dev: DevServerClient) -> App:
    app = App(dev, "shop")
    client = app.client

    @client.create_function(fn_id="charge", trigger=inngest.TriggerEvent(event="shop/charge"))
    async def charge(ctx: inngest.Context) -> dict[str, Any]:
        amount = ctx.event.data.get("amount")
        return await ctx.step.run("capture", lambda: {"charged": amount, "ok": True})

    @client.create_function(
        fn_id="fulfil", retries=0, trigger=inngest.TriggerEvent(event="shop/order.placed")
    )
    async def fulfil(ctx: inngest.Context) -> dict[str, Any]:
        reserved = await ctx.step.run("reserve", lambda: "held")
        packed = await ctx.step.run("pack", lambda: {"box": 1})
        await ctx.step.wait_for_event(
            "await-shipment", event="shop/order.shipped", timeout=dt.timedelta(minutes=10)
        )
        paid = await ctx.step.invoke("pay", function=charge, data={"amount": 5})
        return {"a": reserved, "b": packed, "p": paid}

    app.functions = [charge, fulfil]
    app.serve()
    app.sync()
    return app
