"""What-if routing: a list of leads against a draft rule set and org, without assigning anything.

The rotation starts from the stored passes (or from zero for a draft org) and advances in
memory only, so the answer shows how a batch of leads would spread across the reps.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import org_repository
from services.routing.assigner import Preferred
from services.routing.dispatch import decide
from services.routing.org import OrgConfig, company_key
from services.routing.org_repository import Org
from services.routing.rules import RuleSet
from services.routing.schemas import CandidateRead, SimulatedLead, SimulatedRoute
from shared.errors import InvalidInput
from shared.events import LeadScoredV1


class MemoryRotation:
    """Rotation state in a dictionary, seeded from the database or empty."""

    def __init__(
        self, passes: dict[str, dict[str, int]], times: dict[str, int], open_leads: Counter[str]
    ) -> None:
        self.passes = passes
        self.times = times
        self.counts = open_leads

    async def lock(self, team_id: str) -> tuple[int, dict[str, int], dict[str, int]]:
        return self.times.get(team_id, 0), dict(self.passes.get(team_id, {})), dict(self.counts)

    async def save(self, team_id: str, rep_id: str, rep_pass: int, virtual_time: int) -> None:
        self.passes.setdefault(team_id, {})[rep_id] = rep_pass
        self.times[team_id] = virtual_time


async def simulate(
    session: AsyncSession,
    leads: list[SimulatedLead],
    *,
    draft_rules: RuleSet | None,
    draft_org: OrgConfig | None,
    now: datetime,
) -> list[SimulatedRoute]:
    if draft_org is not None:
        draft_org.check()
        org = Org({t.id: t for t in draft_org.teams}, {r.id: r for r in draft_org.reps})
        accounts = {a.domain: a for a in draft_org.accounts if a.domain}
        names = {company_key(a.name): a for a in draft_org.accounts}
        rotation = MemoryRotation({}, {}, Counter())
    else:
        org = await org_repository.load_org(session)
        accounts, names = {}, {}
        rotation = MemoryRotation({}, {}, Counter(await org_repository.open_leads(session)))
        for team_id in org.teams:
            time, passes, _ = await org_repository.lock_rotation(session, team_id, lock=False)
            rotation.passes[team_id], rotation.times[team_id] = passes, time
    rules = draft_rules
    if rules is None:
        current = await org_repository.current_rules(session)
        if current is None:
            raise InvalidInput("no rule set is stored: send one in rules")
        rules = current[1]
    try:
        rules.check(teams=org.teams, reps=org.reps)
    except InvalidInput as exc:
        raise InvalidInput(
            exc.message, [type(f)(f"rules.{f.field}", f.message) for f in exc.fields]
        ) from exc
    routes: list[SimulatedRoute] = []
    for item in leads:
        scored = LeadScoredV1(
            lead_id=item.lead_id or "simulated",
            captured_at=now,
            scored_at=now,
            score=item.score,
            fit=item.score,
            intent=item.score,
            grade=item.grade,
            priority=item.priority,
            reasons=(),
            config_version="simulation",
            model_version="simulation",
            lead=item.lead,
        )
        company = item.lead.company
        preferred: list[Preferred] = []
        if draft_org is None:
            owner = await org_repository.account_owner(
                session, domain=company.domain, company_name=company.name
            )
            if owner is not None:
                preferred.append(
                    Preferred(
                        owner[0], "account-owner", f"account {owner[1]} is owned by {owner[0]}"
                    )
                )
        else:
            account = accounts.get(company.domain or "") or names.get(company_key(company.name))
            if account is not None:
                preferred.append(
                    Preferred(
                        account.owner_rep_id,
                        "account-owner",
                        f"account {account.name} is owned by {account.owner_rep_id}",
                    )
                )
        decision = await decide(
            org=org,
            rules=rules,
            scored=scored,
            preferred=preferred,
            excluded=set(),
            open_leads=rotation.counts,
            now=now,
            rotation=rotation,
        )
        if decision.rep_id is not None:
            rotation.counts[decision.rep_id] += 1
        routes.append(
            SimulatedRoute(
                lead_id=item.lead_id,
                team=decision.team,
                rep_id=decision.rep_id,
                queue=decision.queue,
                status=decision.status,
                rule=decision.rule,
                reason=decision.reason,
                candidates=[CandidateRead(**c.as_dict()) for c in decision.candidates],
            )
        )
    return routes
