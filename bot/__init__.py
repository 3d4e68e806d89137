"""Grounded chat assistant: answers questions from the articles in `corpus/`, citing passages."""

__version__ = "0.1.0"
