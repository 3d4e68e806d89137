"""The Chainlit chat app and the server around it."""
