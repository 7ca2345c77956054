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
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CALL = {"name": "get_asset", "arguments": {"asset_id": "P-101"}}
TARGET = "<tool_call>\n" + json.dumps(CALL) + "\n</tool_call><|im_end|>"

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


def _build_tiny_qwen(out: Path) -> None:
    """A 2-layer Qwen2 with a byte-level BPE trained on its own prompts, overfit to emit TARGET."""
    import torch
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    from industrialmind.config import get_settings
    from industrialmind.tools import build_tools
    from langchain_core.utils.function_calling import convert_to_openai_tool

    schema = convert_to_openai_tool(next(t for t in build_tools(get_settings()) if t.name == "get_asset"))
    corpus = [json.dumps(schema), TARGET, CHAT_TEMPLATE, "what is P-101 Feed pump A centrifugal pump"]
    bpe = Tokenizer(models.BPE(unk_token=None))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    bpe.train_from_iterator(corpus * 4, trainers.BpeTrainer(vocab_size=600, special_tokens=specials,
                                                            initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    bpe.add_tokens([AddedToken(t, normalized=False, special=False) for t in
                    ("<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>")])
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                  bos_token=None, chat_template=CHAT_TEMPLATE)
    config = Qwen2Config(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
                         eos_token_id=tok.convert_tokens_to_ids("<|im_end|>"),
                         pad_token_id=tok.convert_tokens_to_ids("<|endoftext|>"), tie_word_embeddings=True)
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(config)
    prompts = [[{"role": "user", "content": q}] for q in ("what is P-101", "hi", "tell me about the feed pump")]
    prompts.append(prompts[0] + [{"role": "assistant", "content": "", "tool_calls": [
        {"type": "function", "function": {"name": "get_asset", "arguments": json.dumps(CALL["arguments"])}}]},
        {"role": "tool", "content": '{"summary": "P-101 is Feed pump A"}'}])
    rows = []
    for messages in prompts:
        for system in (None, "You are IndustrialMind."):
            full = ([{"role": "system", "content": system}] if system else []) + messages
            prefix = tok.apply_chat_template(full, tools=[schema], add_generation_prompt=True, tokenize=False)
            p_ids = tok(prefix, add_special_tokens=False)["input_ids"]
            t_ids = tok(TARGET, add_special_tokens=False)["input_ids"]
            rows.append((p_ids + t_ids, len(p_ids)))
    optim = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(120):
        for ids, n_prompt in rows:
            x = torch.tensor([ids])
            labels = x.clone()
            labels[0, :n_prompt] = -100  # learn only the reply
            loss = model(input_ids=x, labels=labels).loss
            loss.backward()
            optim.step()
            optim.zero_grad()
        if loss.item() < 0.01:
            break
    model.eval()
    model.generation_config.eos_token_id = config.eos_token_id
    model.save_pretrained(out)
    tok.save_pretrained(out)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served_model(tmp_path_factory):
    """Build the tiny model and serve it with `transformers serve`; skip when the server cannot start."""
    pytest.importorskip("transformers")
    exe = Path(sys.executable).with_name("transformers")
    if not exe.exists() and not shutil.which("transformers"):
        pytest.skip("the `transformers` CLI is not installed")
    model_dir = tmp_path_factory.mktemp("tiny-qwen")
    _build_tiny_qwen(model_dir)
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

    from industrialmind.agent.models import make_chat_model
    from industrialmind.config import get_settings
    from industrialmind.tools import build_tools

    settings = get_settings(openai_base_url=served_model["base_url"])
    llm = make_chat_model(f"openai/{served_model['model']}", settings)
    tools = [t for t in build_tools(settings) if t.name == "get_asset"]
    reply = llm.bind_tools(tools).invoke([HumanMessage(content="what is P-101")])
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [("get_asset", {"asset_id": "P-101"})]
