"""Writes of the analysis and QA of a ticket: acceptance criteria, success metrics, impact
analysis and QA verdicts (who wrote each is recorded)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from backlog import workflow
from backlog.models import (
    AcceptanceCriterion,
    ImpactAnalysis,
    QACriterionResult,
    QAVerdict,
    Status,
    SuccessMetric,
    Ticket,
)
from backlog.services.common import history_add, require_tester
from backlog.services.duties import SEPARATION_OF_DUTIES, qa_clearance
from collab.models import User

CRITERION_EDITABLE_FIELDS = ("order", "text", "given", "when", "then")


@transaction.atomic
def criterion_add(
    *, actor: User, ticket: Ticket, text: str, given: str = "", when: str = "", then: str = ""
) -> AcceptanceCriterion:
    """Add an acceptance criterion at the end of the ticket's list; its author is recorded."""
    last = AcceptanceCriterion.objects.filter(ticket=ticket).aggregate(last=Max("order"))["last"]
    criterion = AcceptanceCriterion(
        engagement_id=ticket.engagement_id,
        ticket=ticket,
        order=(last or 0) + 1,
        text=text.strip(),
        given=given.strip(),
        when=when.strip(),
        then=then.strip(),
        author=actor,
    )
    criterion.full_clean(exclude=["engagement", "ticket", "author"])
    criterion.save()
    history_add(ticket=ticket, actor=actor, field="criterion", before="", after=criterion.text)
    return criterion


@transaction.atomic
def criterion_update(
    *, actor: User, criterion: AcceptanceCriterion, data: dict[str, Any]
) -> AcceptanceCriterion:
    """Reword or reorder a criterion; whoever rewrites it becomes its author."""
    unknown = set(data) - set(CRITERION_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    before = {name: getattr(criterion, name) for name in CRITERION_EDITABLE_FIELDS}
    for name, value in data.items():
        setattr(criterion, name, value.strip() if isinstance(value, str) else value)
    criterion.author = actor
    criterion.full_clean(exclude=["engagement", "ticket", "author"])
    criterion.save()
    ticket = criterion.ticket
    worded = [
        name
        for name in ("text", "given", "when", "then")
        if before[name] != getattr(criterion, name)
    ]
    if worded:
        history_add(
            ticket=ticket,
            actor=actor,
            field="criterion",
            before=_wording(before),
            after=_wording({name: getattr(criterion, name) for name in before}),
        )
    if before["order"] != criterion.order:
        history_add(
            ticket=ticket,
            actor=actor,
            field="criterion_order",
            before=before["order"],
            after=criterion.order,
            note=criterion.text,
        )
    return criterion


def _wording(values: dict[str, Any]) -> str:
    # The criterion as read: its text, then Given / When / Then when written.
    parts = [str(values["text"])]
    parts += [
        f"{label} {values[name]}"
        for name, label in (("given", _("Given")), ("when", _("When")), ("then", _("Then")))
        if values[name]
    ]
    return "\n".join(parts)


@transaction.atomic
def criterion_delete(*, actor: User, criterion: AcceptanceCriterion) -> None:
    """Remove a criterion (and the QA results recorded against it); the last criterion of a
    feature or improvement that is ready or further stays (a ticket there has one)."""
    ticket = Ticket.objects.select_for_update().get(pk=criterion.ticket_id)
    if (
        ticket.kind in workflow.VALUE_KINDS
        and ticket.status in workflow.FROM_READY
        and not AcceptanceCriterion.objects.filter(ticket=ticket).exclude(pk=criterion.pk).exists()
    ):
        raise ValidationError(
            _(
                "This is the last acceptance criterion of a ticket that is %(status)s: write "
                "another one first, or move the ticket back to analysis."
            )
            % {"status": Status(ticket.status).label},
            code="last_criterion",
        )
    history_add(ticket=ticket, actor=actor, field="criterion", before=criterion.text, after="")
    criterion.delete()


@transaction.atomic
def success_metric_add(*, actor: User, ticket: Ticket, name: str, target: str) -> SuccessMetric:
    """Say what to watch after release, and the target that means the value was delivered."""
    metric = SuccessMetric(
        engagement_id=ticket.engagement_id,
        ticket=ticket,
        name=name.strip(),
        target=target.strip(),
        author=actor,
    )
    metric.full_clean(exclude=["engagement", "ticket", "author"])
    metric.save()
    return metric


@transaction.atomic
def impact_analysis_set(
    *, actor: User, ticket: Ticket, affected_areas: str, risk_level: str
) -> ImpactAnalysis:
    """Write (or rewrite) the ticket's impact analysis: what else it can break, and how risky."""
    analysis = ImpactAnalysis.objects.filter(ticket=ticket).first() or ImpactAnalysis(
        engagement_id=ticket.engagement_id, ticket=ticket
    )
    analysis.affected_areas = affected_areas.strip()
    analysis.risk_level = risk_level
    analysis.author = actor
    analysis.updated_at = timezone.now()
    analysis.full_clean(exclude=["engagement", "ticket", "author"])
    analysis.save()
    return analysis


@transaction.atomic
def qa_verdict_record(
    *,
    actor: User,
    ticket: Ticket,
    passed: bool,
    notes: str = "",
    results: dict[int, bool] | None = None,
) -> QAVerdict:
    """A tester records a verdict on a ticket in QA with a result for every one of its
    acceptance criteria (ids of this ticket's criteria); it passes only when every result
    passes; the separation of duties applies (``duties.qa_clearance``)."""
    require_tester(actor=actor, engagement=ticket.engagement)
    if ticket.status != Status.QA:
        raise ValidationError({"ticket": _("A QA verdict is recorded while the ticket is in QA.")})
    results = results or {}
    criteria = {c.pk: c for c in AcceptanceCriterion.objects.filter(ticket=ticket)}
    if set(results) - set(criteria):
        raise ValidationError({"results": _("These criteria are not this ticket's.")})
    missing = [criteria[pk] for pk in criteria if pk not in results]
    if missing:
        raise ValidationError(
            {
                "results": _("Give a result for every acceptance criterion; missing: %(list)s.")
                % {"list": "; ".join(f"{c.order}. {c.text}" for c in missing)}
            }
        )
    if passed and not all(results.values()):
        raise ValidationError(
            {"passed": _("A verdict cannot pass while one of its criteria failed.")}
        )
    clearance = qa_clearance(ticket=ticket, person=actor)
    if clearance.refusals:
        raise ValidationError(
            [ValidationError(text, code=SEPARATION_OF_DUTIES) for text in clearance.refusals]
        )
    verdict = QAVerdict.objects.create(
        engagement_id=ticket.engagement_id,
        ticket=ticket,
        tester=actor,
        passed=passed,
        notes=notes.strip(),
        self_verified=clearance.self_verified,
    )
    QACriterionResult.objects.bulk_create(
        QACriterionResult(
            engagement_id=ticket.engagement_id,
            verdict=verdict,
            criterion=criteria[pk],
            passed=bool(ok),
        )
        for pk, ok in results.items()
    )
    return verdict
