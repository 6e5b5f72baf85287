"""``make chaos``: inject faults into a running Handoff under load, then count what was lost."""
