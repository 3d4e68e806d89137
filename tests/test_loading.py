"""The first visitor on a first start: the model and index load in the background, and a question that arrives
meanwhile is told so. It waited in silence (a first start builds the index) when the start-up's load got there
first, which it usually does."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Run in its own interpreter: `bot.web.loading` reads the document sets of its settings at import. The build is
# held on an event so that the order is certain; Chainlit's message is recorded instead of sent, as no browser
# is connected to this process.
SCRIPT = textwrap.dedent(
    """
    import asyncio, threading
    import chainlit as cl
    from bot.web import loading

    release = threading.Event()
    shown = []

    class Told:
        def __init__(self, content):
            self.content = content
        async def send(self):
            shown.append(("sent", self.content))
        async def remove(self):
            shown.append(("removed", self.content))

    def slow_build(document_set):
        release.wait(30)
        return "the assistant"

    loading._build_assistant = slow_build
    cl.Message = Told

    async def main():
        background = asyncio.create_task(loading.get_assistant())  # the start-up's load, no one to tell
        await asyncio.sleep(0.2)
        visitor = asyncio.create_task(loading.get_assistant(notify=True))
        await asyncio.sleep(0.2)
        told_while_waiting = list(shown)
        release.set()
        results = await asyncio.gather(background, visitor)
        later = await loading.get_assistant(notify=True)  # loaded: nothing to say
        print(told_while_waiting, results, later, shown)
        assert told_while_waiting == [("sent", "Getting ready: loading the model and the document index…")]
        assert results == ["the assistant", "the assistant"] and later == "the assistant"
        assert [kind for kind, _ in shown] == ["sent", "removed"]

    asyncio.run(main())
    """
)


def test_a_question_during_the_start_ups_load_is_told_to_wait(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("# A\n\nSome text.\n")
    env = {"BOT_CORPUS_DIR": str(corpus), "BOT_INDEX_DIR": str(tmp_path / "index"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
