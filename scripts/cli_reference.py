"""Print the CLI reference table for docs/cli.md (every command and sub-command with its one-line help).

Usage: .venv/bin/python scripts/cli_reference.py   (tests/test_readme_cli.py checks docs/cli.md lists every command)
"""

from __future__ import annotations


def rows() -> list[tuple[str, str]]:
    """(command line, one-line help) for every leaf command of the CLI."""
    import typer.main

    from industrialmind.cli import app

    out: list[tuple[str, str]] = []

    def walk(cmd, prefix: list[str]) -> None:
        for name, sub in sorted(cmd.commands.items()):
            if hasattr(sub, "commands"):
                walk(sub, prefix + [name])
                continue
            args = [p.name.upper() for p in sub.params if p.param_type_name == "argument"]
            out.append((" ".join(prefix + [name] + args), (sub.help or "").strip().split("\n")[0]))

    walk(typer.main.get_command(app), ["industrialmind"])
    return out


if __name__ == "__main__":
    print("| command | what it does |\n|---|---|")
    for command, text in rows():
        print(f"| `{command}` | {text} |")
