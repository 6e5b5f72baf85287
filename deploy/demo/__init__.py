"""``make demo``: real leads through intake, scoring, routing and feedback, with a simulated
sales team, ending in the marketing report (``python -m deploy.demo --help``)."""
