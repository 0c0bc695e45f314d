"""``shoplet audit``: verify the tamper-evident audit chain, sign a checkpoint now, and write
the signed export for regulators (docs/audit.md).

``verify`` exits 1 when it finds an edited, deleted or reordered row or a forged checkpoint,
printing one line per problem with its ``seq``; ``verify-export`` checks an export file the
same way against a public key.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from shoplet.core.settings import Settings

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)

EXIT_BROKEN = 1


def checked_settings() -> Settings:
    """Settings from the environment; in production, exits 2 listing any problem (as every
    ``shoplet`` command that touches the shop does)."""
    from shoplet.core.config_check import exit_on_problems
    from shoplet.core.settings import Settings

    settings = Settings()
    exit_on_problems(settings)
    return settings


@audit_app.command("verify")
def verify(
    from_seq: Annotated[int, typer.Option("--from", min=1, help="first seq to check")] = 1,
    to_seq: Annotated[int | None, typer.Option("--to", min=1, help="last seq to check")] = None,
) -> None:
    """Walk the chain and its checkpoints; exit 1 on any edited, deleted or reordered row."""
    from shoplet.modules.staff.public import verify_audit_chain

    settings = checked_settings()
    report = asyncio.run(verify_audit_chain(settings, from_seq=from_seq, to_seq=to_seq))
    for problem in report.problems:
        typer.echo(str(problem), err=True)
    anchor = report.last_checkpoint
    anchored = f"; last good checkpoint at seq {anchor.seq}" if anchor is not None else ""
    if not report.ok:
        typer.echo(
            f"audit chain BROKEN: {len(report.problems)} problem(s) in seq "
            f"{from_seq}..{report.last_seq}{anchored}",
            err=True,
        )
        raise typer.Exit(EXIT_BROKEN)
    typer.echo(
        f"audit chain intact: {report.checked} entries, seq {from_seq}..{report.last_seq}{anchored}"
    )


@audit_app.command("checkpoint")
def checkpoint() -> None:
    """Verify since the last checkpoint and sign the chain's last link now."""
    from shoplet.modules.staff.public import checkpoint_audit_chain

    outcome = asyncio.run(checkpoint_audit_chain(checked_settings()))
    if outcome.checkpoint is None:
        typer.echo(f"no checkpoint: {outcome.reason}", err=True)
        raise typer.Exit(EXIT_BROKEN if not outcome.report.ok else 0)
    typer.echo(
        f"checkpoint signed at seq {outcome.checkpoint.seq} (key {outcome.checkpoint.key_id})"
    )


@audit_app.command("export")
def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="the JSONL file to write")],
    from_seq: Annotated[int, typer.Option("--from", min=1, help="first seq")] = 1,
    to_seq: Annotated[int | None, typer.Option("--to", min=1, help="last seq")] = None,
) -> None:
    """Write entries from..to, their checkpoints and an SM2 signature over all of it (JSONL)."""
    from shoplet.modules.staff.public import export_audit_log

    settings = checked_settings()
    entries = asyncio.run(export_audit_log(settings, output, from_seq=from_seq, to_seq=to_seq))
    typer.echo(f"wrote {entries} entries to {output}")


@audit_app.command("verify-export")
def verify_export_file(
    file: Path,
    public_key: Annotated[str, typer.Option(help="the shop's SM2 public key (128 hex)")],
) -> None:
    """Check an export's signature, digest and every entry's hash and link."""
    from shoplet.modules.staff.public import verify_export

    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        typer.echo(f"error: cannot read {file}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    problems = verify_export(lines, public_key)
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(EXIT_BROKEN)
    typer.echo(f"export intact: {file}")
