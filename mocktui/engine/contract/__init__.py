"""The spec's contract: routing, request validation, security, media types, and contract-true answers."""
