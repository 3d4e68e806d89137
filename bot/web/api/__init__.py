"""The OpenAI-compatible API beside the chat: `POST /v1/chat/completions` and `GET /v1/models` (docs/api.md).

`sets.py` says which document sets exist and which a key may use; `errors.py` is the OpenAI error shape;
`request.py` reads and checks a request body; `keys.py` checks the key and its rate limit; `replies.py`
turns an answer into a completion or its stream of chunks; `routes.py` holds the thin handlers.
Nothing is imported here, so that `bot api-key` reads `sets.py` without loading the web server.
"""
