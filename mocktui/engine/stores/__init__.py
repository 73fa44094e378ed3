"""Where stateful records live: one `Store` interface, memory/SQLite/Redis kinds, a registry by URL scheme."""
