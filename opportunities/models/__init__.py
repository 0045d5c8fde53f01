"""Opportunities (商机): configurable sales processes whose stage gates are data, grading tracks,
the iron triangle, decision reviews, the decision chain and competitors."""

from .deals import (  # noqa: F401  (re-exported: callers import from here)
    GradeChange,
    LossReason,
    Opportunity,
    OpportunityState,
    OpportunityTask,
    StageHistory,
    has_approved_registration,
    has_lessons,
    has_loss_reason,
)
from .people import (  # noqa: F401  (re-exported: callers import from here)
    Attitude,
    Competitor,
    DecisionChainMember,
    DecisionRole,
)
from .processes import (  # noqa: F401  (re-exported: callers import from here)
    FAST_TRACK_GRADES,
    FULL_TRACK_GRADES,
    GRADE_RANK,
    Grade,
    GradingPolicy,
    Process,
    RequirementKind,
    Stage,
    StageRequirement,
    TaskRole,
)
from .reviews import (  # noqa: F401  (re-exported: callers import from here)
    ASSESSORS,
    Review,
    ReviewKind,
    ReviewState,
    has_delivery_assessment,
    has_relationship_assessment,
    has_solution_assessment,
)
