"""The core engine: spec model, router, generator, responder, events.

Nothing here imports Textual, FastAPI, Starlette or uvicorn; the web layer and
the TUI adapt this package, never the other way round.
"""
