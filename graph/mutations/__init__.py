"""Mutations, one module per feature: each validates its whole input through one use case
(`compliance.services`), then writes everything or nothing. `loadCalendarYear` still calls the
calendar store directly: it has no use case of its own yet.

Each checks who calls first, then its input against the limits of graph/limits.py, and only
then looks into what was sent. Expected failures come back as `userErrors` (field path, stable
code, message) with nothing written; only authentication, authorization and unavailable
storage are top-level errors. The acting enterprise is always the caller's own, from its token.
"""

import strawberry

from graph.mutations.batteries import BatteryMutations
from graph.mutations.calendar import CalendarMutations
from graph.mutations.enterprises import EnterpriseMutations
from graph.mutations.network import ServicePointMutations
from graph.mutations.obligations import ObligationMutations
from graph.mutations.vehicles import VehicleMutations


@strawberry.type
class Mutation(
    EnterpriseMutations,
    BatteryMutations,
    VehicleMutations,
    ObligationMutations,
    ServicePointMutations,
    CalendarMutations,
):
    pass
