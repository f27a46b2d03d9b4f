"""Dashboards: the month's figures and their charts, drawn on the server as SVG (PNG for Word)."""
