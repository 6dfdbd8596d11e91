"""``inngest-sim dev``: the simulator served as a local Inngest dev server.

Apps of any SDK sync with it, send it events and have their functions run by the same
engine ``Simulator`` composes, over HTTP; tests inspect runs with the dev server's
GraphQL queries and REST endpoints, or drain a queue of held runs. ``server`` is the
composition root, ``http`` the ASGI app, ``graphql`` and ``views`` what is read from the
trace, ``client`` the Python side (a client and a context manager that starts it).
"""
