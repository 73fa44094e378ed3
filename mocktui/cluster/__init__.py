"""Many processes, one mock: the control plane, the shared journal and counters, the supervisor."""
