"""Finding the passages that answer a question, and deciding whether the documents cover it."""
