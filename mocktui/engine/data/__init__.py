"""Making values: compiled generators, faker-backed pools, regex strings, response templates."""
