"""Conversations, answers and ratings kept in a database, and a conversation as a file."""
