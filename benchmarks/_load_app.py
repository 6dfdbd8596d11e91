"""The app the load benchmark drives: one function with one step, served by uvicorn.

Its Inngest client reads ``INNGEST_BASE_URL`` and ``INNGEST_DEV`` (the server under test).
Each run notes when it finished, by its event's id, so completion is seen by the app itself,
the same way for every server; ``GET /done`` gives them, ``DELETE /done`` forgets them.
"""

from __future__ import annotations

import time
from typing import Any

import fastapi
import inngest
import inngest.fast_api

client = inngest.Inngest(app_id="load-bench", is_production=False)
done: dict[str, list[float]] = {}


@client.create_function(fn_id="one-step", retries=0, trigger=inngest.TriggerEvent(event="bench/go"))
async def one_step(ctx: inngest.Context) -> int:
    value = await ctx.step.run("one", lambda: 1)
    done.setdefault(ctx.event.id, []).append(time.time())
    return value


app = fastapi.FastAPI()
inngest.fast_api.serve(app, client, [one_step])


@app.get("/done")
def get_done() -> dict[str, Any]:
    return done


@app.delete("/done")
def forget() -> dict[str, Any]:
    done.clear()
    return {}
