"""A hooks file that fails while it is imported."""

SETTINGS = {"limit": 10}
LIMIT = SETTINGS["limt"]
