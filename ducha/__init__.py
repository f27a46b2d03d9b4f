"""Ducha 督查: the reform office's system for the monthly four-colour supervision."""
