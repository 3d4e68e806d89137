"""Editors add documents to a set from the browser (login on, a real headless Chromium): the files are checked,
converted and indexed in a child process with progress in the chat, a bad file is named and the others answer,
cited with their page. A plain user has no upload control, and a forged click or upload is refused."""

from __future__ import annotations

import asyncio
import io
import re
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from .conftest import REPLY_WAIT_MS, copy_query_encoder, send_chat
from .history_helpers import http, login, login_env, sign_in, socket_answer
from .servers import serve_app
from .test_corpus_browser import greenhouse_pdf
from .test_sets import HR

pytestmark = [pytest.mark.browser, pytest.mark.server]

DOCX_ANSWER = "The compost heap must be turned every second Friday"
PDF_ANSWER = "Open the roof vents whenever the air inside rises above 24 degrees"


def compost_docx(extra: str = "") -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = "Compost Rules"
    document.add_heading("Compost Rules", level=0)
    document.add_heading("How often is the compost heap turned?", level=1)
    document.add_paragraph(f"{DOCX_ANSWER}, so that the middle stays warm and the heap rots evenly.")
    if extra:
        document.add_paragraph(extra)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def server_with_sets(tmp_path, built_index):
    """A sets folder: hr (built) and garden (empty, for the editor to fill); the index folder with hr built."""
    from bot.ingest.index import ingest
    from bot.ingest.sets import document_sets

    root = tmp_path / "sets"
    (root / "hr").mkdir(parents=True)
    (root / "hr" / "handbook.md").write_text(HR, encoding="utf-8")
    (root / "garden").mkdir()
    (root / "garden" / "set.toml").write_text('title = "Garden"\n', encoding="utf-8")
    settings = built_index.model_copy(update={"sets_dir": root, "index_dir": tmp_path / "prebuilt"})
    copy_query_encoder(built_index.index_dir, settings.index_dir)
    garden, hr = document_sets(settings)
    assert ingest(hr.settings, progress=False).passages_written > 0
    return root, settings.index_dir


def drop_files(page, files: list[dict]) -> None:
    """Give the chat's file prompt `files` as a user does, and wait until the page has uploaded them. The prompt
    takes files only once its drop zone's handlers are in place, which nothing on the page shows: files given
    before that are dropped silently (a fresh-clone CI run waited 240 s for an upload that never started), so
    they are given again until the page sends one to the server."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.get_by_text("Drag and drop files here").last.wait_for(timeout=REPLY_WAIT_MS)
    for _attempt in range(4):
        try:
            with page.expect_response(lambda r: "/project/file" in r.url, timeout=REPLY_WAIT_MS // 4):
                page.locator("#ask-button-input").last.set_input_files(files)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("the page never uploaded the files given to its file prompt")


def refuse_file(page, file: dict) -> str:
    """Give the open file prompt a file it does not take; the message the page shows for it. As in `drop_files`,
    the file is given again until the drop zone has taken it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.get_by_text("Drag and drop files here").last.wait_for(timeout=REPLY_WAIT_MS)
    toast = page.locator("[data-sonner-toast]", has_text="file")
    for _attempt in range(4):
        page.locator("#ask-button-input").last.set_input_files([file])
        try:
            toast.last.wait_for(timeout=REPLY_WAIT_MS // 4)
            return toast.last.inner_text().strip()
        except PlaywrightTimeout:
            continue
    raise AssertionError("the page showed no message for a file its prompt does not take")


def forged_upload(url: str, cookie: str) -> tuple[list[str], int, int]:
    """As a plain user over the socket: click "Add documents" anyway, and post a file with no prompt asking
    for one. (the replies, the click's HTTP status, the upload's HTTP status)"""
    from bot.tools.load import ChatSession

    async def run():
        session = ChatSession(url, timeout=120, headers={"Cookie": cookie}, chat_profile="garden")
        await session.connect()
        try:
            action = {"name": "add_documents", "payload": {}, "id": "forged"}
            manage = {"name": "manage_documents", "payload": {}, "id": "forged2"}
            await asyncio.to_thread(
                post_json, url, "/project/action", cookie, {"sessionId": session.session_id, "action": manage}
            )
            click = await asyncio.to_thread(
                post_json, url, "/project/action", cookie, {"sessionId": session.session_id, "action": action}
            )
            replies: list[str] = []
            await asyncio.sleep(2)  # the refusal is sent over the socket while the click's request runs
            while not session._events.empty():
                name, data, _t = session._events.get_nowait()
                if name == "new_message" and isinstance(data, dict):
                    replies.append(data.get("output", ""))
            upload = await asyncio.to_thread(post_file, url, f"/project/file?session_id={session.session_id}", cookie)
        finally:
            await session.close()
        return replies, click, upload

    with ThreadPoolExecutor(1) as pool:  # Playwright's loop owns this thread
        return pool.submit(asyncio.run, run()).result()


def post_json(url: str, path: str, cookie: str, body: dict) -> int:
    import json

    request = urllib.request.Request(
        f"{url}{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Cookie": cookie, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def post_file(url: str, path: str, cookie: str) -> int:
    boundary = "botboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="sneaky.md"\r\n'
        f"Content-Type: text/markdown\r\n\r\n# Sneaky\n\nThe password is swordfish.\r\n--{boundary}--\r\n"
    ).encode()
    request = urllib.request.Request(
        f"{url}{path}",
        data=body,
        method="POST",
        headers={"Cookie": cookie, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_an_editor_uploads_a_pdf_and_a_docx_into_a_new_set_and_a_plain_user_cannot(chromium, tmp_path, built_index):
    from playwright.sync_api import expect

    root, prebuilt = server_with_sets(tmp_path, built_index)
    env, passwords = login_env("anna", "bob")
    env |= {"BOT_SETS_DIR": str(root), "BOT_EDITORS": "anna"}
    with serve_app(tmp_path, env, index_from=prebuilt) as (url, log_path):
        page = sign_in(chromium, url, "anna", passwords["anna"])
        # An editor's chat opens as everyone's, on the set's welcome and starters, with her buttons beside them.
        # She switches set once the page's first chat (the first set's, Garden) is open, as anyone does. A loaded CI
        # run once saw no button in 240 s after a switch made as soon as the picker showed, likely while that chat
        # still connected (not reproduced: two runs beside two busy processes passed).
        offer = page.get_by_text(re.compile(r"You may add documents to “Garden”"))
        expect(offer).to_be_visible(timeout=REPLY_WAIT_MS)
        page.locator("#chat-profiles").click()
        page.locator('[data-test="select-item:hr"]').click()
        expect(page.get_by_text(re.compile(r"You may add documents to “(?!Garden)"))).to_be_visible(
            timeout=REPLY_WAIT_MS
        )
        expect(page.get_by_role("button", name="Add documents")).to_be_visible(timeout=REPLY_WAIT_MS)
        expect(page.locator("#welcome-screen")).to_be_visible(timeout=REPLY_WAIT_MS)
        expect(page.get_by_text(re.compile(r"vacation days", re.I)).first).to_be_visible(timeout=REPLY_WAIT_MS)
        page.locator("#chat-profiles").click()
        page.locator('[data-test="select-item:garden"]').click()
        expect(offer).to_be_visible(timeout=REPLY_WAIT_MS)
        page.get_by_role("button", name="Add documents").click()
        page.locator("#ask-button-input").wait_for(state="attached", timeout=REPLY_WAIT_MS)
        files = [
            {"name": "greenhouse.pdf", "mimeType": "application/pdf", "buffer": greenhouse_pdf()},
            {
                "name": "compost.docx",
                "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "buffer": compost_docx(),
            },
            {"name": "broken.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\nthis is not a PDF at all\n"},
            # Chainlit's upload route failed on an empty file (500, "Upload failed" on the page): now it is named.
            {"name": "empty.md", "mimeType": "text/markdown", "buffer": b""},
        ]
        # Every progress line the chat shows, however briefly (the three files index in seconds).
        page.evaluate(
            """() => { window.__progress = [];
            new MutationObserver(() => { for (const m of document.querySelectorAll('[data-step-type]')) {
              const t = m.innerText; if (/^(Reading|Indexing|Embedding|Checking)/.test(t) &&
              !window.__progress.includes(t)) window.__progress.push(t); } })
            .observe(document.body, {childList: true, subtree: true, characterData: true}); }"""
        )
        # A second click while the prompt is open points to it, instead of stacking a second prompt.
        page.get_by_role("button", name="Add documents").last.click()
        expect(page.get_by_text("A file prompt is already open above")).to_be_visible(timeout=REPLY_WAIT_MS)
        expect(page.get_by_text("Drag and drop files here")).to_have_count(1)
        # A file of a type the prompt does not take is named in words, not as a list of MIME types.
        refused = refuse_file(page, {"name": "setup.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ"})
        assert refused.startswith("That type of file cannot be added here. Accepted: .pdf, .docx"), refused
        assert "application/" not in refused and refused.count(".pdf") == 1, refused
        page.screenshot(path=str(tmp_path / "refused-type.png"))
        drop_files(page, files)
        report = page.get_by_text(re.compile(r"Added to “Garden”")).first
        report.wait_for(timeout=REPLY_WAIT_MS)
        progress = "\n".join(page.evaluate("window.__progress"))
        assert "Reading greenhouse.pdf" in progress and "Checking the new index" in progress, progress
        assert re.search(r"^(Reading|Indexing) greenhouse\.pdf: page [1-3] of 3", progress, re.M), progress
        text = page.locator('[data-step-type="assistant_message"]', has_text="Added to").last.inner_text()
        assert "greenhouse.pdf" in text and "compost.docx" in text
        # The chat the button started is named by the button's words in the sidebar, not by its action's name.
        expect(page.locator('a[href*="/thread/"]', has_text="Add documents").first).to_be_visible(timeout=REPLY_WAIT_MS)
        expect(page.get_by_text("add_documents")).to_have_count(0)
        expect(page.get_by_text(re.compile(r"Not added: broken\.pdf"))).to_have_count(1, timeout=REPLY_WAIT_MS)
        expect(page.get_by_text(re.compile(r"Not added: empty\.md"))).to_have_count(1, timeout=REPLY_WAIT_MS)
        welcome = page.request.get(f"{url}/brand/welcome.json?set=garden").json()  # the set's welcome lists them
        assert {"Greenhouse Care Guide", "Compost Rules"} <= {d["title"] for d in welcome["documents"]}, welcome
        page.screenshot(path=str(tmp_path / "upload-done.png"), full_page=True)

        send_chat(page, "When should the greenhouse vents be opened?")
        answers = page.locator('[data-step-type="assistant_message"]')
        expect(answers.last).to_contain_text(PDF_ANSWER, timeout=REPLY_WAIT_MS)
        expect(answers.last).to_contain_text("[1]")
        expect(answers.last).to_contain_text("· p. 2")
        expect(page.locator("#chat-input")).to_be_enabled(timeout=REPLY_WAIT_MS)
        send_chat(page, "How often is the compost heap turned?")
        expect(answers.last).to_contain_text(DOCX_ANSWER, timeout=REPLY_WAIT_MS)
        assert not (root / "garden" / "broken.pdf").exists()  # a bad file is not kept
        expect(page.locator("#chat-input")).to_be_enabled(timeout=REPLY_WAIT_MS)

        # A file under a name the set has replaces it, and the report says so (it said "Added" as for a new one).
        page.get_by_role("button", name="Add documents").last.click()
        newer = compost_docx("Leaves go in the left bay, kitchen scraps in the right one.")
        drop_files(page, [{"name": "compost.docx", "mimeType": files[1]["mimeType"], "buffer": newer}])
        replaced = page.get_by_text(re.compile(r"Replaced in “Garden” in \d+ s: compost\.docx \(the earlier"))
        replaced.first.wait_for(timeout=REPLY_WAIT_MS)
        expect(page.locator("#chat-input")).to_be_enabled(timeout=REPLY_WAIT_MS)

        # The set's documents, who added them, and removing the DOCX removes its passages.
        page.get_by_role("button", name="Manage documents").first.click()
        table = page.locator('[data-step-type="assistant_message"]', has_text="Documents of “Garden”").last
        table.wait_for(timeout=REPLY_WAIT_MS)
        listed = table.inner_text()
        assert "greenhouse.pdf" in listed and "compost.docx" in listed and "anna" in listed, listed
        assert re.search(r"greenhouse\.pdf\s+3\s", listed), listed  # its three pages
        # Removing asks first; "No" keeps the document. The table's buttons sit at the foot of the chat, under its
        # "scroll to the bottom" arrow while the page still scrolls: a click there at a busy moment reached no button
        # (CI, 2026-12-06; the screenshot showed the table, its buttons and no question). The click event goes to the
        # button itself.
        remove = page.get_by_role("button", name="Remove compost.docx")
        expect(remove).to_be_enabled(timeout=REPLY_WAIT_MS)
        remove.dispatch_event("click")
        page.get_by_text(re.compile(r"Remove compost\.docx from “Garden”\? Its \d+ passages? leaves?")).wait_for(
            timeout=REPLY_WAIT_MS
        )
        page.get_by_role("button", name="No, keep it").click()
        page.get_by_text("compost.docx was kept.").wait_for(timeout=REPLY_WAIT_MS)
        assert (root / "garden" / "compost.docx").exists()
        offers = page.locator('[data-step-type="system_message"]', has_text="You may add documents")
        offered = offers.count()
        expect(remove).to_be_enabled(timeout=REPLY_WAIT_MS)  # the first click's call has returned
        remove.dispatch_event("click")
        page.get_by_role("button", name="Yes, remove it").click()
        page.get_by_text(re.compile(r"Removed compost\.docx")).first.wait_for(timeout=REPLY_WAIT_MS)
        assert not (root / "garden" / "compost.docx").exists()
        # The table above lists the set as it is now: no Remove button is left for the removed document.
        expect(table).to_contain_text("Documents of “Garden” (1)", timeout=REPLY_WAIT_MS)
        expect(table).not_to_contain_text("compost.docx")
        expect(page.get_by_role("button", name="Remove compost.docx")).to_have_count(0)
        expect(page.get_by_role("button", name="Remove greenhouse.pdf")).to_have_count(1)
        # The editor's buttons come again below the removal, as after an upload.
        expect(offers).to_have_count(offered + 1, timeout=REPLY_WAIT_MS)
        page.screenshot(path=str(tmp_path / "removed.png"), full_page=True)
        send_chat(page, "How often is the compost heap turned?")
        expect(answers.last).not_to_contain_text("Friday", timeout=REPLY_WAIT_MS)
        # The reply is complete: an answer's footnotes ("›") or a decline, never the removed document's answer.
        expect(answers.last).to_contain_text(re.compile(r"›|The documents I have don't"), timeout=REPLY_WAIT_MS)
        assert DOCX_ANSWER not in answers.last.inner_text()
        expect(page.locator("#chat-input")).to_be_enabled(timeout=REPLY_WAIT_MS)
        # The last document stays: a set needs one, and the editor is told so in words.
        page.get_by_role("button", name="Manage documents").first.click()
        page.get_by_role("button", name="Remove greenhouse.pdf").last.click()
        page.get_by_text(re.compile(r"greenhouse\.pdf is the only document in “Garden”")).first.wait_for(
            timeout=REPLY_WAIT_MS
        )
        assert (root / "garden" / "greenhouse.pdf").exists()

        # bob, a plain user: no upload control; a forged click and a file posted over HTTP are refused.
        other = sign_in(chromium, url, "bob", passwords["bob"])
        other.locator("#chat-profiles").wait_for(timeout=REPLY_WAIT_MS)
        assert other.get_by_role("button", name="Add documents").count() == 0
        cookie = login(url, "bob", passwords["bob"])
        replies, click, upload = forged_upload(url, cookie)
        assert click == 200  # Chainlit ran the callback, which refused
        assert any("Only editors may add documents" in r for r in replies), replies
        assert any("Only editors may change the documents" in r for r in replies), replies
        assert upload == 400, upload
        assert not any("sneaky" in p.name for p in root.rglob("*"))

        # bob attaches a file to his own chat: answered from it alone, cited, not added to any set.
        other.locator("#command-Attach").click()
        send_chat(other, "How often is the compost heap turned?")
        drop_files(other, [{"name": "compost.docx", "mimeType": files[1]["mimeType"], "buffer": files[1]["buffer"]}])
        other.get_by_text(re.compile(r"Attached compost\.docx")).first.wait_for(timeout=REPLY_WAIT_MS)
        bob_answer = other.locator('[data-step-type="assistant_message"]', has_text=DOCX_ANSWER).last
        bob_answer.wait_for(timeout=REPLY_WAIT_MS)
        expect(bob_answer).to_contain_text("Compost Rules", timeout=REPLY_WAIT_MS)  # its footnote: cited
        assert not (root / "garden" / "compost.docx").exists() and not (root / "hr" / "compost.docx").exists()
        other.wait_for_url(re.compile(r"/thread/"), timeout=REPLY_WAIT_MS)
        thread_id = other.url.rsplit("/", 1)[-1]
        attached = tmp_path / "data" / "attachments" / thread_id
        assert (attached / "compost.docx").exists()

        # anna cannot reach it: asking in her own chat (over the socket), or by the conversation's URLs.
        anna = login(url, "anna", passwords["anna"])
        reply = socket_answer(url, anna, "hr", "How often is the compost heap turned?")
        assert DOCX_ANSWER not in reply and "Friday" not in reply, reply
        assert http(url, f"/conversation/{thread_id}/download", anna)[0] == 404
        assert http(url, f"/project/thread/{thread_id}", anna)[0] in (401, 403, 404)

        # Deleted with the conversation.
        status = other.request.delete(f"{url}/project/thread", data={"threadId": thread_id}).status
        assert status == 200, status
        assert not attached.exists()


def _socket(url: str, cookie: str, session_id: str | None = None):
    """A chat over the socket of the set "garden" (the page's handshake; `session_id` takes up that chat), with the
    messages and buttons it gets: (ChatSession, messages, button labels, connect coroutine)."""
    from bot.tools.load import ChatSession

    chat = ChatSession(url, timeout=120, headers={"Cookie": cookie}, chat_profile="garden")
    chat.session_id = session_id or str(uuid.uuid4())
    messages: list[str] = []
    buttons: list[str] = []
    chat.client.on("new_message", lambda data: messages.append(data.get("output") or ""))
    chat.client.on("action", lambda data: buttons.append(data.get("label") or ""))
    auth = {"clientType": "webapp", "sessionId": chat.session_id, "userEnv": "{}", "chatProfile": "garden"}
    handshake = chat.client.connect(
        url, socketio_path="/ws/socket.io", transports=["websocket"], auth=auth, headers=chat.headers
    )
    return chat, messages, buttons, handshake


async def _until_buttons(buttons: list[str], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while len(buttons) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


def opening_on_a_new_socket(url: str, cookie: str) -> tuple[list[str], list[str], list[str]]:
    """A chat of the set "garden" opened over the socket and left once its opening has arrived, then taken up on a
    new socket under the same session, as the page does when it reconnects while it settles. (what the first
    socket got, what the second got, the buttons the second got)"""

    async def run():
        first, first_messages, _buttons, handshake = _socket(url, cookie)
        await handshake
        await first.client.emit("connection_successful")
        await _until_buttons(_buttons)  # the chat's opening has been sent
        await first.close()
        second, messages, buttons, handshake = _socket(url, cookie, first.session_id)
        await handshake
        try:
            await second.client.emit("connection_successful")
            await _until_buttons(buttons)
        finally:
            await second.close()
        return first_messages, messages, buttons

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def opening_when_a_left_socket_shook_hands_last(url: str, cookie: str) -> tuple[list[str], list[str]]:
    """The page opens two sockets together and keeps the second, but the first one's handshake reaches the server
    last (Chainlit then tied the chat to it, and refused the page's own as unknown). (messages, buttons that the
    page's socket got)"""

    async def run():
        live, messages, buttons, handshake = _socket(url, cookie)
        await handshake
        left, _messages, _buttons, late = _socket(url, cookie, live.session_id)
        await late  # the socket the page has left: it never says it is connected
        try:
            await live.client.emit("connection_successful")
            await _until_buttons(buttons)
        finally:
            await live.close()
            await left.close()
        return messages, buttons

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def opening_when_a_left_socket_shook_hands_after_the_page_connected(
    url: str, cookie: str
) -> tuple[list[str], list[str]]:
    """As above, but the left socket's handshake comes once the page's own has said it is connected, and then the
    left socket closes. (messages, buttons that the page's socket got)"""

    async def run():
        live, messages, buttons, handshake = _socket(url, cookie)
        await handshake
        await live.client.emit("connection_successful")
        left, _messages, _buttons, late = _socket(url, cookie, live.session_id)
        await late
        await left.close()
        try:
            await _until_buttons(buttons)
        finally:
            await live.close()
        return messages, buttons

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_an_editors_buttons_come_again_when_the_page_reconnects_before_her_first_question(tmp_path, built_index):
    """The page may open its socket again while it settles, and Chainlit opens a chat once: the offer sent to the
    socket it had just left never showed (an editor had no "Add documents" button; three fresh-clone CI runs)."""
    root, prebuilt = server_with_sets(tmp_path, built_index)
    env, passwords = login_env("anna")
    env |= {"BOT_SETS_DIR": str(root), "BOT_EDITORS": "anna"}
    with serve_app(tmp_path, env, index_from=prebuilt) as (url, log_path):
        cookie = login(url, "anna", passwords["anna"])
        first, second, buttons = opening_on_a_new_socket(url, cookie)
        assert any("You may add documents to “Garden”" in m for m in first), first
        assert any("You may add documents to “Garden”" in m for m in second), second
        assert buttons == ["Add documents", "Manage documents"], buttons  # once each
        assert "its opening was sent again" in log_path.read_text()
        # Two sockets opened together, whose handshakes arrive in the other order: the page's own gets the chat.
        messages, buttons = opening_when_a_left_socket_shook_hands_last(url, cookie)
        assert any("You may add documents to “Garden”" in m for m in messages), messages
        assert buttons == ["Add documents", "Manage documents"], buttons
        assert "tied again to the socket the page uses" in log_path.read_text()
        messages, buttons = opening_when_a_left_socket_shook_hands_after_the_page_connected(url, cookie)
        assert any("You may add documents to “Garden”" in m for m in messages), messages
        assert buttons[-2:] == ["Add documents", "Manage documents"], buttons


def test_a_stop_ends_the_server_even_with_an_editors_file_prompt_open(chromium, tmp_path, built_index):
    """A tester's server outlived its SIGTERM by more than 11 minutes: an open file prompt keeps a request
    waiting (for up to 15 minutes), and uvicorn waited for it. A stop now cancels it after a short grace."""
    import os
    import signal
    import time

    from .servers import serve_app_process

    root, prebuilt = server_with_sets(tmp_path, built_index)
    env, passwords = login_env("anna")
    env |= {"BOT_SETS_DIR": str(root), "BOT_EDITORS": "anna"}
    # (ready when the page is: /health says "error" while the empty set "garden", its first, has no documents)
    with serve_app_process(tmp_path, env, index_from=prebuilt, ready_path="/") as (proc, url, log_path):
        page = sign_in(chromium, url, "anna", passwords["anna"])
        page.get_by_role("button", name="Add documents").last.click(timeout=REPLY_WAIT_MS)
        page.get_by_text("Drag and drop files here").last.wait_for(timeout=REPLY_WAIT_MS)
        stopped_at = time.monotonic()
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        took = time.monotonic() - stopped_at
        assert took < 30, f"the server took {took:.0f} s to stop"
        assert "Traceback" not in log_path.read_text()
