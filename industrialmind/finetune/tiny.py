"""A tiny Qwen2 chat model built locally from a config: no download, seconds on a CPU.

The tests and the GPU check train a LoRA on it: a 2-layer Qwen2 with a byte-level BPE tokenizer trained on the SFT
examples themselves (so the long tools prompt compresses to few tokens) and TRL's Qwen2.5 chat template, whose
tool-call form (<tool_call>{json}</tool_call>) is what `agent/brains.py` parses. The chat markers are added tokens
that are not "special", as in Qwen's own tokenizer, so decoding with skip_special_tokens keeps <tool_call>.
It tests the plumbing (data -> TRL -> adapter -> hf brain), not model quality.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

MARKERS = ("<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>")


def qwen25_template() -> str:
    """TRL's copy of the Qwen2.5 chat template (TRL knows its training variant, so assistant-only loss works)."""
    from trl.chat_template_utils import qwen2_5_chat_template

    return qwen2_5_chat_template


def build_tiny_model(out: Path | str, examples: list[dict[str, Any]], vocab_size: int = 2048,
                     hidden_size: int = 64, layers: int = 2, seed: int = 0, init_range: float | None = None) -> Path:
    """Write a randomly initialised tiny Qwen2 and its tokenizer (trained on these examples) to out.

    init_range defaults to 2.4 / sqrt(hidden_size) (0.3 at width 64), far above transformers' 0.02: LoRA leaves
    lm_head frozen, and with tiny weights its logits could never move far enough for the model to learn anything."""
    import torch
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    template = qwen25_template()
    bootstrap = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(models.WordLevel({"x": 0}, unk_token="x")),
                                        chat_template=template)
    # the corpus is the rendered training text, so BPE merges learn the tools block and the tool-call form
    corpus = [bootstrap.apply_chat_template(e["messages"], tools=e.get("tools"), tokenize=False)
              for e in examples[:200]]
    bpe = Tokenizer(models.BPE(unk_token=None))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>"],
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                                        show_progress=False))
    bpe.add_tokens([AddedToken(t, normalized=False, special=False) for t in MARKERS])
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                  bos_token=None, chat_template=template)
    config = Qwen2Config(vocab_size=len(tok), hidden_size=hidden_size, intermediate_size=hidden_size * 2,
                         num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=8192, eos_token_id=tok.convert_tokens_to_ids("<|im_end|>"),
                         pad_token_id=tok.convert_tokens_to_ids("<|endoftext|>"), tie_word_embeddings=False,
                         initializer_range=init_range if init_range is not None else 2.4 / hidden_size ** 0.5)
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config)
    model.generation_config.eos_token_id = config.eos_token_id
    model.generation_config.pad_token_id = config.pad_token_id
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out
