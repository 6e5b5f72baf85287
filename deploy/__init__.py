"""Deployment: the local stack and evaluation commands."""
