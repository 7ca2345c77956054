"""Publish an adapter folder to the Hugging Face Hub: validate, then create the repo and upload in one commit.

The token comes from IM_HF_TOKEN, HF_TOKEN or `hf auth login` (huggingface_hub's stored token). HF_ENDPOINT
redirects every call (a private Hub mirror, or a loopback server in the tests). Checkpoints, the run config and the
pickled training arguments stay behind: only what a user of the adapter needs is uploaded.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from industrialmind.errors import BackendUnavailableError, ConfigError, InvalidInputError

# what an adapter user needs; everything else in the folder (checkpoints, run_config.json, training_args.bin) stays
UPLOAD_PATTERNS = ["README.md", "adapter_config.json", "adapter_model.safetensors", "adapter_model.bin",
                   "tokenizer*", "special_tokens_map.json", "chat_template.jinja", "vocab.json", "merges.txt",
                   "added_tokens.json", "generation_config.json", "train_report.json"]
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")


def files_to_upload(folder: Path) -> list[Path]:
    """The files of the folder that would be uploaded, in a stable order."""
    from fnmatch import fnmatch

    return sorted(p for p in Path(folder).iterdir()
                  if p.is_file() and any(fnmatch(p.name, pat) for pat in UPLOAD_PATTERNS))


def check_repo_id(repo: str) -> str:
    """A Hub model repo id 'owner/name'; anything else is an error naming the expected form."""
    if not _REPO_ID.match(repo or "") or ".." in repo or repo.endswith((".git", ".")):
        raise InvalidInputError(f"--repo {repo!r} is not a Hub repo id; expected 'USER/NAME' (letters, digits, "
                                "'-', '_', '.'), e.g. 'alice/industrialmind-qwen2.5-0.5b-lora'")
    return repo


def resolve_token(settings: Any) -> str:
    """IM_HF_TOKEN, else HF_TOKEN / the token `hf auth login` stored; a clear error when there is none."""
    if settings.hf_token is not None and settings.hf_token.get_secret_value():
        return settings.hf_token.get_secret_value()
    from huggingface_hub import get_token

    token = get_token()
    if not token:
        raise ConfigError("no Hugging Face token: run `hf auth login` (or `huggingface-cli login`), or set HF_TOKEN "
                          "or IM_HF_TOKEN to a token with write access (https://huggingface.co/settings/tokens)")
    return token


def prepare(folder: Path, base_model: str | None = None) -> dict[str, Any]:
    """Validate the folder (rewriting the card's base_model first when given); returns the upload plan.
    Raises InvalidInputError listing every problem."""
    from industrialmind.finetune.card import read_card_metadata, validate_adapter_folder

    folder = Path(folder).expanduser()
    if base_model is not None:
        set_base_model(folder, base_model)
    problems = validate_adapter_folder(folder)
    if problems:
        raise InvalidInputError(f"{str(folder)!r} is not ready to publish: " + "; ".join(problems))
    files = files_to_upload(folder)
    return {"folder": str(folder), "files": [{"path": p.name, "bytes": p.stat().st_size} for p in files],
            "bytes": sum(p.stat().st_size for p in files), "card": read_card_metadata(folder)}


def set_base_model(folder: Path, base_model: str) -> None:
    """Write base_model into the card's metadata (a base trained from a local folder has no Hub id there)."""
    import json

    from industrialmind.finetune.card import write_card

    if base_model.count("/") != 1:
        raise InvalidInputError(f"--base-model {base_model!r} is not a Hub id; expected 'OWNER/NAME', e.g. "
                                "'Qwen/Qwen2.5-0.5B-Instruct'")
    report_path = Path(folder) / "train_report.json"
    if not report_path.is_file():
        raise InvalidInputError(f"{str(folder)!r} has no train_report.json to rebuild the card from")
    write_card(Path(folder), json.loads(report_path.read_text()), base_model_id=base_model)


def publish(settings: Any, folder: Path, repo: str, private: bool = False, dry_run: bool = False,
            base_model: str | None = None, endpoint: str | None = None) -> dict[str, Any]:
    """Validate and (unless dry_run) create the repo and upload the adapter in one commit; returns the plan and,
    after an upload, the commit URL."""
    check_repo_id(repo)
    plan = prepare(folder, base_model)
    plan.update({"repo": repo, "private": private, "dry_run": dry_run})
    if dry_run:
        return plan
    token = resolve_token(settings)
    import httpx
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(endpoint=endpoint, token=token)
    try:
        api.create_repo(repo, private=private, repo_type="model", exist_ok=True)
        info = api.upload_folder(repo_id=repo, folder_path=plan["folder"], repo_type="model",
                                 allow_patterns=UPLOAD_PATTERNS,
                                 commit_message="Upload IndustrialMind LoRA adapter")
    except HfHubHTTPError as exc:
        status = getattr(getattr(exc, "response", None), "status_code", None)
        hint = " (is the token allowed to write to this namespace?)" if status in (401, 403) else ""
        raise BackendUnavailableError(f"the Hub refused the upload to {repo!r}: "
                                      f"{str(exc).splitlines()[0]}{hint}") from None
    except ValueError as exc:  # huggingface_hub's verdict on the card's metadata (validate-yaml)
        raise InvalidInputError(f"the Hub rejected the model card of {str(folder)!r}: {exc}") from None
    except (OSError, httpx.TransportError) as exc:  # no network, a wrong HF_ENDPOINT
        raise BackendUnavailableError(f"cannot reach the Hub at {api.endpoint!r}: {exc}") from None
    plan["commit_url"] = str(getattr(info, "commit_url", info))
    plan["url"] = f"{api.endpoint.rstrip('/')}/{repo}"
    return plan
