"""The front door: the Simulator facade, its blocking twin, the backends and the facade's
own helpers (argument checks, check_replay, completion order)."""
