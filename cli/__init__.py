"""The ``handoff`` command-line tool for operators: inspect and repair a running Handoff."""
