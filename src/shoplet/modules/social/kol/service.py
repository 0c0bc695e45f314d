"""KOL discovery: run the analysis, list the sharers it found, draw their graph, invite them.

A run reads the edges of the last ``window_days`` days (repository.py), measures them off the
event loop (``graph.analyse`` in a thread: igraph holds the CPU), then writes the run and its
scores in one transaction and drops runs older than the last few. The daily job and the
console's 重新分析 both call :func:`run_analysis`; runs are independent, so two at once are
harmless (the newest finished wins the list).

Invitations: ``promoter`` makes the shopper an active promoter through distribution (approving a
pending or rejected application); ``campaign`` records them as a seed user of a group buy,
bargain or crowdfunding campaign and, with a coupon template, gives each one coupon through
promotions (validity checked there: a template that cannot be issued refuses the whole request;
a member promotions skips for its quota or per-shopper limit keeps the invitation, without a
coupon, ``coupon_issued`` false).
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.members import public as members
from shoplet.modules.promotions import public as promotions
from shoplet.modules.social.distribution import service as distribution
from shoplet.modules.social.kol import graph
from shoplet.modules.social.kol import repository as repo
from shoplet.modules.social.kol.errors import InvalidInvite, InviteCampaignNotFound
from shoplet.modules.social.kol.models import KolInvite, KolRun, KolScore
from shoplet.modules.social.kol.schemas import (
    GraphLink,
    GraphNode,
    InviteBody,
    InviteOutcome,
    InviteReport,
    KolGraph,
    KolInviteOut,
    KolInvitePage,
    KolPage,
    KolRow,
    KolRunOut,
)

log = structlog.get_logger("shoplet.social.kol")

WINDOW_DAYS = 90
GRAPH_NEIGHBOURS = 12
"""Shoppers drawn around each top sharer in the graph view (the rest are counted, not drawn)."""


def _run_out(run: KolRun) -> KolRunOut:
    return KolRunOut(
        id=run.id,
        window_days=run.window_days,
        nodes=run.nodes,
        edges=run.edges,
        communities=run.communities,
        duration_ms=run.duration_ms,
        triggered_by=run.triggered_by,
        started_at=run.started_at,
        finished_at=run.finished_at,
    )


async def run_analysis(
    ctx: AppContext, *, triggered_by: str, window_days: int = WINDOW_DAYS
) -> KolRunOut:
    """Analyse the graph of the last ``window_days`` days and store the run."""
    started = utcnow()
    clock = time.perf_counter()
    since = started - timedelta(days=window_days)
    async with unit_of_work(ctx.sessionmaker) as session:
        edges = await repo.edges_since(session, since)
        conversions = await repo.conversions_since(session, since)
    result = await asyncio.to_thread(graph.analyse, edges, conversions)
    async with unit_of_work(ctx.sessionmaker) as session:
        run_id = await repo.insert_run(
            session,
            {
                "status": "done",
                "window_days": window_days,
                "nodes": result.nodes,
                "edges": result.edges,
                "communities": result.communities,
                "duration_ms": round((time.perf_counter() - clock) * 1000),
                "triggered_by": triggered_by[:64],
                "started_at": started,
                "finished_at": utcnow(),
            },
        )
        await repo.insert_scores(
            session,
            [
                {
                    "run_id": run_id,
                    "member_id": s.member_id,
                    "rank": s.rank,
                    "pagerank": s.pagerank,
                    "brought": s.brought,
                    "reach_2": s.reach_2,
                    "converted": s.converted,
                    "revenue": s.revenue,
                    "community": s.community,
                }
                for s in result.scores
            ],
        )
        await repo.prune_runs(session)
        run = await repo.latest_run(session)
    if run is None:  # pragma: no cover (written above)
        raise RuntimeError("the KOL run just written is missing")
    log.info(
        "kol_run_done",
        nodes=result.nodes,
        edges=result.edges,
        sharers=len(result.scores),
        duration_ms=run.duration_ms,
    )
    return _run_out(run)


def _row(score: KolScore, nickname: str, is_promoter: bool) -> KolRow:
    return KolRow(
        member_id=score.member_id,
        nickname=nickname,
        rank=score.rank,
        pagerank=score.pagerank,
        brought=score.brought,
        reach_2=score.reach_2,
        converted=score.converted,
        conversion_rate=score.converted / score.brought if score.brought else 0.0,
        revenue=score.revenue,
        community=score.community,
        is_promoter=is_promoter,
    )


async def list_kols(session: AsyncSession, *, cursor: str | None, limit: int) -> KolPage:
    """The last run's sharers, best first (cursor: the last rank seen)."""
    run = await repo.latest_run(session)
    if run is None:
        return KolPage(run=None, items=[], next_cursor=None)
    rows = await repo.scores_page(
        session, run.id, after_rank=decode_id_cursor(cursor) or 0, limit=limit + 1
    )
    page = rows[:limit]
    ids = [r.member_id for r in page]
    names = await members.get_nicknames(session, ids)
    promoters = await repo.promoter_member_ids(session, ids)
    return KolPage(
        run=_run_out(run),
        items=[_row(r, names.get(r.member_id, ""), r.member_id in promoters) for r in page],
        next_cursor=encode_id_cursor(page[-1].rank) if len(rows) > limit else None,
    )


async def kol_graph(session: AsyncSession, *, top: int) -> KolGraph:
    """The ``top`` sharers of the last run and up to :data:`GRAPH_NEIGHBOURS` shoppers each
    brought (the window's edges, read again: scores keep no edges)."""
    run = await repo.latest_run(session)
    if run is None:
        return KolGraph(run=None, nodes=[], links=[], communities=0)
    best = await repo.scores_page(session, run.id, after_rank=0, limit=top)
    tops = {s.member_id: s for s in best}
    edges = await repo.edges_since(session, run.started_at - timedelta(days=run.window_days))
    links: list[GraphLink] = []
    drawn: dict[int, int] = {}
    seen: set[tuple[int, int]] = set()
    for a, b in edges:
        if a not in tops or a == b or (a, b) in seen:
            continue
        if drawn.get(a, 0) >= GRAPH_NEIGHBOURS and b not in tops:
            continue
        seen.add((a, b))
        drawn[a] = drawn.get(a, 0) + 1
        links.append(GraphLink(source=a, target=b))
    ids = sorted({*tops, *(link.target for link in links)})
    names = await members.get_nicknames(session, ids)
    scored = {s.member_id: s for s in await repo.scores_of(session, run.id, ids)}
    nodes = [
        GraphNode(
            id=i,
            name=names.get(i, f"#{i}"),
            community=scored[i].community if i in scored else -1,
            rank=scored[i].rank if i in scored else None,
            pagerank=scored[i].pagerank if i in scored else 0.0,
        )
        for i in ids
    ]
    return KolGraph(run=_run_out(run), nodes=nodes, links=links, communities=run.communities)


# -- invitations -----------------------------------------------------------------------------


def _check_invite(body: InviteBody) -> None:
    if body.kind == "campaign" and (body.play is None or body.campaign_id is None):
        raise InvalidInvite("a campaign invitation names the play and the campaign id")
    if body.kind == "promoter" and (
        body.play is not None or body.campaign_id is not None or body.coupon_template_id
    ):
        raise InvalidInvite("a promoter invitation names no campaign and no coupon")
    if len(set(body.member_ids)) != len(body.member_ids):
        raise InvalidInvite("a member is named twice")


async def invite(
    ctx: AppContext, session: AsyncSession, body: InviteBody, *, actor: str
) -> InviteReport:
    """Invite each member (see the module docstring). 400 ``social.kol_invalid_invite``, 404
    ``social.kol_campaign_not_found`` or an unknown member, and promotions' or distribution's
    refusals, all before anything is kept (the request's transaction rolls back)."""
    _check_invite(body)
    known = await members.get_nicknames(session, body.member_ids)
    unknown = [m for m in body.member_ids if m not in known]
    if unknown:
        raise InvalidInvite(f"no member {unknown[0]}", member_ids=unknown)
    play = body.play or ""
    campaign_id = body.campaign_id or 0
    if body.kind == "campaign" and await repo.campaign_title(session, play, campaign_id) is None:
        raise InviteCampaignNotFound(play=play, campaign_id=campaign_id)
    now = utcnow()
    items: list[InviteOutcome] = []
    fresh: list[tuple[int, int]] = []
    for member_id in sorted(body.member_ids):
        if body.kind == "promoter":
            done = await distribution.invite(
                session, member_id, ctx.settings.orders_aftersale_window_days
            )
            if done == "already_promoter":
                items.append(InviteOutcome(member_id=member_id, outcome="already_promoter"))
                continue
        invite_id = await repo.insert_invite(
            session,
            {
                "member_id": member_id,
                "kind": body.kind,
                "play": play,
                "campaign_id": campaign_id,
                "coupon_template_id": body.coupon_template_id,
                "coupon_issued": False,
                "invited_by": actor[:64],
                "created_at": now,
            },
        )
        if invite_id is None:
            items.append(InviteOutcome(member_id=member_id, outcome="already_invited"))
            continue
        fresh.append((member_id, invite_id))
        items.append(InviteOutcome(member_id=member_id, outcome="invited"))
    issued = 0
    if body.coupon_template_id is not None and fresh:
        report = await promotions.issue(
            session,
            template_id=body.coupon_template_id,
            member_ids=[m for m, _ in fresh],
            actor=actor,
        )
        given = set(report.issued)
        for member_id, invite_id in fresh:
            if member_id in given:
                await repo.mark_coupon_issued(session, invite_id)
                issued += 1
    return InviteReport(
        invited=sum(1 for i in items if i.outcome == "invited"),
        coupons_issued=issued,
        items=items,
    )


async def list_invites(
    session: AsyncSession, *, member_id: int | None, cursor: str | None, limit: int
) -> KolInvitePage:
    rows = await repo.invites_page(
        session, member_id=member_id, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    names = await members.get_nicknames(session, sorted({r.member_id for r in page}))
    titles: dict[tuple[str, int], str | None] = {}
    for r in page:
        if r.kind == "campaign" and (r.play, r.campaign_id) not in titles:
            titles[(r.play, r.campaign_id)] = await repo.campaign_title(
                session, r.play, r.campaign_id
            )
    return KolInvitePage(
        items=[_invite_out(r, names, titles) for r in page],
        next_cursor=encode_id_cursor(page[-1].id) if len(rows) > limit else None,
    )


def _invite_out(
    row: KolInvite, names: dict[int, str], titles: dict[tuple[str, int], str | None]
) -> KolInviteOut:
    is_campaign = row.kind == "campaign"
    return KolInviteOut(
        id=row.id,
        member_id=row.member_id,
        nickname=names.get(row.member_id, ""),
        kind=row.kind,  # type: ignore[arg-type]
        play=row.play if is_campaign else None,  # type: ignore[arg-type]
        campaign_id=row.campaign_id if is_campaign else None,
        campaign_title=titles.get((row.play, row.campaign_id)) if is_campaign else None,
        coupon_template_id=row.coupon_template_id,
        coupon_issued=row.coupon_issued,
        invited_by=row.invited_by,
        created_at=row.created_at,
    )
