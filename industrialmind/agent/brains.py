"""The chat-model factory: one string picks the brain. The only module that imports provider SDKs (lazily).

- 'offline'                    the offline planner (no LLM)
- 'openai/<model>'             any OpenAI-compatible endpoint (IM_OPENAI_BASE_URL: vLLM, transformers serve, LM Studio)
- 'ollama/<model>'             an Ollama server (IM_OLLAMA_BASE_URL)
- 'hf/<repo-or-path>[@adapter]' transformers in-process, optionally with a PEFT LoRA adapter

ChatHuggingFace over a local pipeline does not do tool calling, so 'hf/' is our own BaseChatModel: it applies the
model's chat template with tools= and parses the <tool_call>{json}</tool_call> blocks Qwen-style templates emit.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict, Field, PrivateAttr

from industrialmind.errors import ConfigError

if TYPE_CHECKING:
    from industrialmind.config import Settings

VALID_FORMS = ["offline", "openai/<model>", "ollama/<model>", "hf/<repo-or-path>[@adapter]"]


def check_spec(spec: str | None) -> str:
    """Return the brain spec when it has a valid form (nothing is loaded or reached), else raise ConfigError."""
    spec = (spec or "offline").strip()
    provider, _, name = spec.partition("/")
    if spec == "offline" or (provider in ("openai", "ollama", "hf") and name):
        return spec
    raise ConfigError(f"unknown chat model {spec!r}; valid forms: {', '.join(VALID_FORMS)}")


def make_chat_model(spec: str, settings: Settings) -> BaseChatModel:
    """Build the chat model a spec names; ConfigError lists the valid forms for anything else."""
    spec = check_spec(spec)
    provider, _, name = spec.partition("/")
    if spec == "offline":
        try:
            from industrialmind.agent.planner import OfflinePlanner
        except ImportError as exc:
            raise ConfigError(f"the offline planner is not available ({exc}); pick another brain with --llm / "
                              f"IM_LLM: {', '.join(VALID_FORMS)}") from None
        return OfflinePlanner(settings)
    if provider == "openai":
        from langchain_openai import ChatOpenAI

        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        base_url = settings.openai_base_url or None
        # local servers (vLLM, transformers serve) accept any key, but the client insists on having one
        return ChatOpenAI(model=name, base_url=base_url, api_key=key or ("not-needed" if base_url else None),
                          temperature=0, timeout=120, max_retries=1)
    if provider == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(model=name, base_url=settings.ollama_base_url, temperature=0)
    path, _, adapter = name.partition("@")  # 'hf/<repo-or-path>[@adapter]', the one form left
    return LocalHFChatModel(model_path=path, adapter=adapter or None, device=settings.hf_device,
                            max_new_tokens=settings.hf_max_new_tokens)


def unreachable_errors() -> tuple[type[BaseException], ...]:
    """The exception types the chat-model clients raise when their server cannot be reached (refused, timed out)."""
    errors: list[type[BaseException]] = [ConnectionError]
    try:
        import httpx  # the transport of the ollama and openai clients

        errors.append(httpx.TransportError)
    except ImportError:  # pragma: no cover - httpx comes with every server-backed brain
        pass
    try:
        import openai

        errors.append(openai.APIConnectionError)
    except ImportError:  # openai is only there with its extra
        pass
    return tuple(errors)


def invoke_chat(model: Any, messages: Any, llm: Any = None) -> Any:
    """model.invoke(messages), turning an unreachable model server into BackendUnavailableError naming its URL."""
    try:
        return model.invoke(messages)
    except unreachable_errors() as exc:
        from industrialmind.config import mask_url
        from industrialmind.errors import BackendUnavailableError

        llm = llm if llm is not None else model
        name = getattr(llm, "model_name", None) or getattr(llm, "model", None) or type(llm).__name__
        url = getattr(llm, "openai_api_base", None) or getattr(llm, "base_url", None) or "the default endpoint"
        raise BackendUnavailableError(
            f"the chat model {name!r} at {mask_url(str(url))} cannot be reached "
            f"({str(exc).splitlines()[0] if str(exc).strip() else 'no answer'}): start that server, fix IM_OPENAI_BASE_URL "
            "or IM_OLLAMA_BASE_URL, or use --llm offline") from None


_TOOL_CALL = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)


def parse_tool_calls(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Split generated text into (plain text, tool calls) from <tool_call>{"name", "arguments"}</tool_call> blocks;
    a block that is not valid JSON stays in the text so nothing is silently lost."""
    calls: list[dict[str, Any]] = []
    kept = text

    for match in _TOOL_CALL.finditer(text):
        try:
            body = json.loads(match.group(1))
        except ValueError:
            continue
        if not isinstance(body, dict) or "name" not in body:
            continue
        args = body.get("arguments", body.get("args", {}))
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except ValueError:
                args = {"input": args}
        calls.append({"name": str(body["name"]), "args": args if isinstance(args, dict) else {},
                      "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"})
        kept = kept.replace(match.group(0), "")
    return kept.strip(), calls


def to_chat_dicts(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """LangChain messages -> the role/content dicts chat templates take (tool calls with dict arguments)."""
    out: list[dict[str, Any]] = []
    for m in messages:
        content = m.content if isinstance(m.content, str) else json.dumps(m.content)
        if m.type == "system":
            out.append({"role": "system", "content": content})
        elif m.type == "human":
            out.append({"role": "user", "content": content})
        elif m.type == "ai":
            entry: dict[str, Any] = {"role": "assistant", "content": content}
            if getattr(m, "tool_calls", None):
                entry["tool_calls"] = [{"type": "function", "id": c["id"],
                                        "function": {"name": c["name"], "arguments": c["args"]}}
                                       for c in m.tool_calls]
            out.append(entry)
        elif m.type == "tool":
            out.append({"role": "tool", "content": content, "name": getattr(m, "name", None),
                        "tool_call_id": getattr(m, "tool_call_id", None)})
    return out


class LocalHFChatModel(BaseChatModel):
    """A transformers causal LM (plus an optional PEFT adapter) in-process, with tool calling through its chat
    template. Loaded on first use; greedy decoding so runs are reproducible."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    model_path: str
    adapter: str | None = None
    max_new_tokens: int = 512
    device: str = "auto"  # auto: CUDA in bf16 when a GPU is visible, else the CPU in float32
    tools: list[dict[str, Any]] = Field(default_factory=list)
    _loaded: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "hf-local"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> LocalHFChatModel:
        """A copy of this model whose prompts list these tools (OpenAI function schemas)."""
        from langchain_core.utils.function_calling import convert_to_openai_tool

        bound = self.model_copy(update={"tools": [convert_to_openai_tool(t) for t in tools]})
        bound._loaded = self._loaded  # share the weights between copies
        return bound

    def _load(self) -> tuple[Any, Any]:
        if self._loaded is None:
            from pathlib import Path

            try:
                from transformers import AutoModelForCausalLM, AutoTokenizer
            except ImportError as exc:
                raise ConfigError(f"'hf/' models need the finetune extra (transformers, peft): {exc}") from None
            import torch

            local = Path(self.model_path).expanduser()
            source = str(local) if local.exists() else self.model_path
            device = self.device
            if device == "auto":
                device = "cuda" if torch.cuda.is_available() else "cpu"
            if device == "cuda" and not torch.cuda.is_available():
                raise ConfigError("IM_HF_DEVICE=cuda but no CUDA GPU is visible to torch; use auto or cpu")
            dtype = torch.bfloat16 if device == "cuda" and torch.cuda.is_bf16_supported() else torch.float32
            try:
                tokenizer = AutoTokenizer.from_pretrained(source)
                model = AutoModelForCausalLM.from_pretrained(source, dtype=dtype)
            except OSError as exc:  # transformers' messages run over several lines; one is enough here
                reason = " ".join(str(exc).split())
                raise ConfigError(f"cannot load the model {self.model_path!r} (a local folder or a Hub repo "
                                  f"already in the cache): {reason}") from None
            if self.adapter:
                from peft import PeftModel

                model = PeftModel.from_pretrained(model, str(Path(self.adapter).expanduser()))
            model.to(device).eval()
            self._loaded = (tokenizer, model)
        return self._loaded

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        import torch

        tokenizer, model = self._load()
        tools = [t.get("function", t) for t in self.tools] or None
        inputs = tokenizer.apply_chat_template(to_chat_dicts(messages), tools=tools, add_generation_prompt=True,
                                               return_tensors="pt", return_dict=True).to(model.device)
        with torch.no_grad():
            output = model.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False,
                                    pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id)
        text = tokenizer.decode(output[0][inputs["input_ids"].shape[1]:], skip_special_tokens=True)
        content, calls = parse_tool_calls(text)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=content, tool_calls=calls))])
