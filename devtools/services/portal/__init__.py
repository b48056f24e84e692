"""The portal service's make-run plug-in and demo data (never in its image)."""
