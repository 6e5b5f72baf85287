"""Evaluation commands that replay real data sets through the running services."""
