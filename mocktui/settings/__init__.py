"""Settings: the table (`table`), its parsers (`parsers`) and reading every source (`resolve`)."""
