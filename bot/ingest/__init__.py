"""Reading a folder of documents into passages and an index."""
