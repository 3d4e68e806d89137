"""Reading a question (and the conversation so far) once, into the form later stages use."""
