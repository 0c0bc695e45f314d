"""What other modules and the CLI may use from analytics: the pure RFM and CLV code (CSV in,
both conventions out), the history import, and a member's RFM for the growth modules'
segments: :func:`segment_member_ids` (a saved segment's members now) and, for campaigns,
:func:`audience_member_ids` (a segment, an RFM class, a tag's holders or dormant buyers)."""

from __future__ import annotations

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.analytics import ingest
from shoplet.modules.analytics import merge_hook as _merge
from shoplet.modules.analytics.behaviour import service as behaviour
from shoplet.modules.analytics.clv import (
    BgNbdParams,
    FitFailed,
    GammaGammaParams,
    clv,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    p_alive,
    predict,
)
from shoplet.modules.analytics.errors import HistoryInvalid
from shoplet.modules.analytics.profiles.events import PROMOTER_CHANGED
from shoplet.modules.analytics.profiles.service import (
    audience_member_ids,
    member_segments,
    segment_member_ids,
)
from shoplet.modules.analytics.rfm import (
    CLASS_CODES,
    CLASS_NAMES,
    CustomerRfm,
    Transaction,
    TransactionsInvalid,
    fen_to_yuan,
    parse_transactions,
    summarize,
)
from shoplet.modules.analytics.schemas import HistoryImport, RfmCustomer
from shoplet.modules.analytics.service import (
    get_run,
    import_history,
    member_rfm,
    request_run,
    run_rfm,
    traffic,
)
from shoplet.modules.experiments import public as experiments
from shoplet.modules.members import public as members

__all__ = [
    "CLASS_CODES",
    "CLASS_NAMES",
    "PROMOTER_CHANGED",
    "BgNbdParams",
    "CustomerRfm",
    "FitFailed",
    "GammaGammaParams",
    "HistoryImport",
    "HistoryInvalid",
    "RfmCustomer",
    "Transaction",
    "TransactionsInvalid",
    "audience_member_ids",
    "clv",
    "expected_purchases",
    "fen_to_yuan",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "get_run",
    "import_history",
    "member_rfm",
    "member_segments",
    "p_alive",
    "parse_transactions",
    "predict",
    "request_run",
    "run_rfm",
    "segment_member_ids",
    "startup",
    "summarize",
    "traffic",
]


async def startup(app: FastAPI, ctx: AppContext) -> None:
    """The event queue on the context and on its sessions (for the outbox handlers); segment
    membership for experiments' and flags' targeting (experiments sits below analytics)."""
    members.register_merge_hook(ctx, "analytics", _merge.move_member, tables=_merge.TABLES)
    ingest.attach_queue(ctx)
    experiments.set_segment_source(ctx, member_segments)
    behaviour.attach_counters(ctx)
