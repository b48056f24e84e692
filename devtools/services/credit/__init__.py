"""The credit service's make-run plug-in and demo data (never in its image)."""
