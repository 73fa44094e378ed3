"""The web layer: adapts the engine to ASGI and runs it under uvicorn."""
