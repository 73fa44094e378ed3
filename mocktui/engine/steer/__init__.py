"""Live steering: the controls every request reads, and the behaviour drawn from them (delay, faults)."""
