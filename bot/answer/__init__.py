"""Writing a short, cited answer from retrieved passages (extractive or by a language model)."""
