"""The `openai/` brain against a real OpenAI-compatible server: `transformers serve` on a tiny Qwen2 built here from a
config, with a locally trained tokenizer and a chat template that supports tools. It tests tool-call plumbing (tools
sent, <tool_call> parsed into tool_calls, tool results sent back), not model quality: the tiny model is overfit to
answer every turn with one tool call."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CALL = {"name": "get_asset", "arguments": {"asset_id": "P-101"}}
TARGET = "<tool_call>" + json.dumps(CALL) + "</tool_call><|im_end|>"

# Qwen2.5's template, trimmed: system + tools block, tool calls, tool responses folded into user turns.
CHAT_TEMPLATE = (
    "{%- if tools %}<|im_start|>system\n{%- if messages[0]['role'] == 'system' %}{{ messages[0]['content'] }}"
    "{%- else %}You are a helpful assistant.{%- endif %}\n\n# Tools\n\n<tools>"
    "{%- for tool in tools %}\n{{ tool | tojson }}{%- endfor %}\n</tools>\n\n"
    "For each function call, return a json object with name and arguments inside tool call tags.<|im_end|>\n"
    "{%- elif messages[0]['role'] == 'system' %}<|im_start|>system\n{{ messages[0]['content'] }}<|im_end|>\n"
    "{%- endif %}"
    "{%- for message in messages %}"
    "{%- if message.role == 'user' %}<|im_start|>user\n{{ message.content }}<|im_end|>\n"
    "{%- elif message.role == 'assistant' %}<|im_start|>assistant\n{{ message.content or '' }}"
    "{%- for tc in message.tool_calls or [] %}{%- set f = tc.function if tc.function is defined else tc %}"
    "<tool_call>\n{\"name\": \"{{ f.name }}\", \"arguments\": "
    "{{ f.arguments if f.arguments is string else f.arguments | tojson }}}\n</tool_call>{%- endfor %}<|im_end|>\n"
    "{%- elif message.role == 'tool' %}<|im_start|>user\n<tool_response>\n{{ message.content }}\n"
    "</tool_response><|im_end|>\n{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}<|im_start|>assistant\n{%- endif %}"
)


def _build_tiny_qwen(out: Path, systems: list[str | None], tool_result: str) -> None:
    """A 2-layer Qwen2 with a byte-level BPE trained on its own prompts, wired (not trained) to answer every turn
    with the get_asset call: after a tool result too, so the graph's step limit ends the turn (plumbing, not
    quality)."""
    import torch
    from langchain_core.utils.function_calling import convert_to_openai_tool
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    from industrialmind.config import get_settings
    from industrialmind.tools import build_tools

    schema = convert_to_openai_tool(next(t for t in build_tools(get_settings()) if t.name == "get_asset"))
    corpus = [json.dumps(schema), TARGET, CHAT_TEMPLATE, tool_result, *(s for s in systems if s)]
    bpe = Tokenizer(models.BPE(unk_token=None))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    # the chat markers are ordinary added tokens, as in Qwen's tokenizer, so the server's response parser sees
    # them in the decoded prompt and anchors on the last "<|im_start|>assistant"
    specials = ["<|endoftext|>"]
    bpe.train_from_iterator(corpus * 4, trainers.BpeTrainer(vocab_size=600, special_tokens=specials,
                                                            initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    bpe.add_tokens([AddedToken(t, normalized=False, special=False) for t in
                    ("<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>", "<tool_response>",
                     "</tool_response>", json.dumps(CALL))])
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                  bos_token=None, chat_template=CHAT_TEMPLATE)
    config = Qwen2Config(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
                         eos_token_id=tok.convert_tokens_to_ids("<|im_end|>"),
                         pad_token_id=tok.convert_tokens_to_ids("<|endoftext|>"), tie_word_embeddings=False)
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(config)
    # No training: silence every attention and MLP block so the last hidden state is the current token's
    # (normalised) embedding, then wire lm_head as a bigram chain: end of the generation prompt -> <tool_call>
    # -> the call's JSON (one added token) -> </tool_call> -> <|im_end|>. Greedy decoding then always emits TARGET.
    with torch.no_grad():
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        emb = model.model.embed_tokens.weight
        emb.normal_()
        head = model.lm_head.weight
        head.zero_()
        prompt = tok.apply_chat_template([{"role": "user", "content": "hi"}], tools=[schema],
                                         add_generation_prompt=True, tokenize=False)
        last = tok(prompt, add_special_tokens=False)["input_ids"][-1]
        chain = [last] + tok(TARGET, add_special_tokens=False)["input_ids"]
        assert len(chain) == len(set(chain)) == 5, chain  # every link must be a distinct token
        for src, dst in pairwise(chain):
            head[dst] = 10.0 * emb[src] / emb[src].norm()
    model.eval()
    model.generation_config.eos_token_id = config.eos_token_id
    model.save_pretrained(out)
    tok.save_pretrained(out)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory) -> Path:
    """The tiny Qwen2 built once per module."""
    pytest.importorskip("transformers")
    from industrialmind.agent.prompts import system_prompt
    from industrialmind.config import get_settings
    from industrialmind.tools import ToolContext, call_tool
    from industrialmind.tools.assets import get_asset
    from tests.tools.fakes import NOW

    model_dir = tmp_path_factory.mktemp("tiny-qwen")
    tool_result = json.dumps(call_tool(get_asset, ToolContext(get_settings()), asset_id="P-101"))
    _build_tiny_qwen(model_dir, [None, system_prompt(NOW)], tool_result)
    return model_dir


@pytest.fixture(scope="module")
def served_model(tiny_model_dir):
    """Serve the tiny model with `transformers serve`; skip when the server cannot start."""
    exe = Path(sys.executable).with_name("transformers")
    if not exe.exists() and not shutil.which("transformers"):
        pytest.skip("the `transformers` CLI is not installed")
    model_dir = tiny_model_dir
    port = _free_port()
    log = model_dir / "serve.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(exe if exe.exists() else "transformers"), "serve", str(model_dir), "--host",
                                 "127.0.0.1", "--port", str(port), "--device", "cpu"], stdout=out,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True)
    import httpx

    deadline = time.monotonic() + 120
    try:
        while True:
            if proc.poll() is not None:
                pytest.skip(f"transformers serve exited ({proc.returncode}): {log.read_text()[-800:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.skip(f"transformers serve did not answer in 120 s: {log.read_text()[-800:]}")
            time.sleep(1)
        yield {"base_url": f"http://127.0.0.1:{port}/v1", "model": str(model_dir)}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_openai_compat_tool_call_round_trip(served_model, monkeypatch):
    """ChatOpenAI through make_chat_model sends the tools and gets get_asset back as a parsed tool call."""
    from langchain_core.messages import HumanMessage

    from industrialmind.agent.brains import make_chat_model
    from industrialmind.config import get_settings
    from industrialmind.tools import build_tools

    settings = get_settings(openai_base_url=served_model["base_url"])
    llm = make_chat_model(f"openai/{served_model['model']}", settings)
    tools = [t for t in build_tools(settings) if t.name == "get_asset"]
    llm = llm.model_copy(update={"max_tokens": 64})  # an untrained continuation must not run for minutes
    reply = llm.bind_tools(tools).invoke([HumanMessage(content="what is P-101")])
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [("get_asset", {"asset_id": "P-101"})]


def test_openai_compat_graph_round_trip(served_model, monkeypatch):
    """Through the real graph: the served model calls get_asset, each result goes back to the server as a tool
    message (accepted, answered with the next call), and the step limit ends the turn honestly."""
    from langgraph.checkpoint.memory import InMemorySaver

    from industrialmind.agent.graph import build_graph
    from industrialmind.agent.brains import make_chat_model
    from industrialmind.config import get_settings
    from industrialmind.tools import ToolContext, build_tools
    from tests.tools.fakes import NOW

    monkeypatch.setattr(ToolContext, "now", lambda self: NOW)  # the system prompt the model was trained on
    settings = get_settings(openai_base_url=served_model["base_url"])
    llm = make_chat_model(f"openai/{served_model['model']}", settings).model_copy(update={"max_tokens": 64})
    tools = [t for t in build_tools(settings) if t.name == "get_asset"]
    graph = build_graph(settings, llm=llm, checkpointer=InMemorySaver(), tools=tools, max_steps=3)
    state = graph.invoke({"messages": [("user", "what is P-101")], "steps": 0}, {"configurable": {"thread_id": "t"}})
    results = [m for m in state["messages"] if m.type == "tool"]
    assert results and json.loads(results[0].content)["asset_id"] == "P-101"
    final = state["messages"][-1]
    assert final.type == "ai" and not final.tool_calls
    rounds = [m for m in state["messages"] if m.type == "ai" and m.tool_calls]
    assert len(rounds) == 3  # three round trips: the server accepted the tool messages every time
    # transformers serve 5.24 re-reports the earlier calls it finds in the prompt with this tokenizer, so a round
    # may carry more than one call; each is the same get_asset call and each ran
    assert all((c["name"], c["args"]) == ("get_asset", {"asset_id": "P-101"}) for m in rounds for c in m.tool_calls)
    assert len(results) == sum(len(m.tool_calls) for m in rounds)
    assert final.content.startswith("I stopped after 3 planning steps") and "Feed pump A" in final.content


def test_hf_local_model_parses_tool_calls(tiny_model_dir, monkeypatch):
    """'hf/<dir>' runs the model in-process, renders the tools through its chat template and parses <tool_call>."""
    from langchain_core.messages import HumanMessage, SystemMessage

    from industrialmind.agent.brains import make_chat_model
    from industrialmind.agent.prompts import system_prompt
    from industrialmind.config import get_settings
    from industrialmind.tools import build_tools
    from tests.tools.fakes import NOW

    settings = get_settings()
    llm = make_chat_model(f"hf/{tiny_model_dir}", settings).model_copy(update={"max_new_tokens": 48})
    tools = [t for t in build_tools(settings) if t.name == "get_asset"]
    reply = llm.bind_tools(tools).invoke([SystemMessage(content=system_prompt(NOW)),
                                          HumanMessage(content="what is P-101")])
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [("get_asset", {"asset_id": "P-101"})]


def test_hf_local_model_loads_a_lora_adapter(tiny_model_dir, tmp_path):
    """'hf/<dir>@<adapter>' loads a PEFT LoRA adapter on the base (fresh LoRA B is zero, so the wired tool call
    comes through unchanged)."""
    peft = pytest.importorskip("peft")
    from langchain_core.messages import HumanMessage
    from transformers import AutoModelForCausalLM

    from industrialmind.agent.brains import make_chat_model
    from industrialmind.config import get_settings
    from industrialmind.tools import build_tools

    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    lora = peft.get_peft_model(base, peft.LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj", "v_proj"]))
    lora.save_pretrained(tmp_path / "adapter")
    llm = make_chat_model(f"hf/{tiny_model_dir}@{tmp_path / 'adapter'}", get_settings())
    reply = llm.model_copy(update={"max_new_tokens": 16}).bind_tools(
        [t for t in build_tools(get_settings()) if t.name == "get_asset"]).invoke([HumanMessage(content="P-101?")])
    assert isinstance(llm._load()[1], peft.PeftModel)
    assert [c["name"] for c in reply.tool_calls] == ["get_asset"]
