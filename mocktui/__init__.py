"""mocktui: an OpenAPI mock server with a live terminal control room."""

__version__ = "0.1.0"
