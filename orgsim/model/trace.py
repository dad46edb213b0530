"""The trace of a replication: a row for everything that happens to a lead, opportunity or customer.

Runs beside the whole value chain and owns none of it. Off unless asked for (`Company(...,
events=True)`): the departments are then built with an `EventLog` (their ``log``) and add rows
at the moments the model already acts on (a lead arrives, a deal is won, a renewal is decided);
every person-time task is logged by `LoggedPool`, a `Pool` that adds a "start" row when a
person takes the task and a "complete" row when the work ends. Without a log, a department's
``log`` is None, pools are plain `Pool`s and the only cost is a handful of ``is not None`` tests
per lead.

A case is a lead's whole journey: it keeps its case id when it becomes an opportunity and then a
customer (``object`` says which it is at each row), so a process-mining tool draws the value
chain end to end. Customers on the books at the start are cases of their own (``C<account>``).
Logging never draws a random number or schedules an event, so a run gives the same numbers with
and without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orgsim.model.entities import Task
from orgsim.model.pools import Pool

if TYPE_CHECKING:
    import simpy

NAN = float("nan")

# (case, object, activity, lifecycle, day, resource, role, segment, source, wait_hours, amount, health)
Row = tuple[str, str, str, str, float, str, str, str, str, float, float, float]

COLUMNS = (
    "case",
    "object",
    "activity",
    "lifecycle",
    "day",
    "resource",
    "role",
    "segment",
    "source",
    "wait_hours",
    "amount",
    "health",
)

# A task's activity and the object it works on, by the callback that receives the finished task
# (its __qualname__) and, where one callback serves two stages, the stage.
TASK_ACTIVITIES: dict[tuple[str, str | None], tuple[str, str]] = {
    ("Marketing._review_done", None): ("MQL review", "lead"),
    ("SDR._qualified", None): ("Qualification", "lead"),
    ("Sales._worked", None): ("Sales work", "opportunity"),
    ("Presales._worked", None): ("Presales work", "opportunity"),
    ("Delivery._delivered", None): ("Implementation", "customer"),
    ("AccountCare.cared", None): ("Account care", "customer"),
    ("AccountCare.program_done", None): ("Account care", "customer"),
    ("Success._expanded", None): ("Expansion work", "customer"),
    ("Success._renewal_worked", None): ("Renewal work", "customer"),
    ("Relationships._touched", None): ("Key-person touch", "customer"),
}


class EventLog:
    """The rows of one replication, in the order they were logged (`frame` sorts them by time)."""

    __slots__ = ("env", "rows", "_leads", "_activities")

    def __init__(self, env: simpy.Environment):
        self.env = env
        self.rows: list[Row] = []
        self._leads = 0
        self._activities: dict[Any, tuple[str, str]] = {}

    def new_case(self) -> str:
        """A case id for a new lead."""
        self._leads += 1
        return f"L{self._leads}"

    def add(
        self,
        case: str,
        obj: str,
        activity: str,
        segment: str,
        source: str = "",
        *,
        resource: str = "",
        role: str = "",
        at: float | None = None,
        amount: float = NAN,
        health: float = NAN,
    ) -> None:
        """An instant: something happened to the case (now, or at day `at`)."""
        self.rows.append(
            (
                case,
                obj,
                activity,
                "complete",
                self.env.now if at is None else at,
                resource,
                role,
                segment,
                source,
                NAN,
                amount,
                health,
            )
        )

    def task(self, task: Task, lifecycle: str, role: str, resource: str | None = None) -> None:
        """A task row: "start" when a person takes it, "complete" when the work is done; the
        resource is `<role>-<pid>` of the task's person unless given (a founder's: `founder-<n>`)."""
        ctx = task.ctx
        if resource is None:
            person = task.person
            assert person is not None  # logged when started or done: someone took it
            resource = f"{role}-{person.pid}"
        elif not hasattr(ctx, "case"):
            return  # (a founder's work that is no lead's, opportunity's or customer's)
        activity, obj = self._activity(task)
        self.rows.append(
            (
                ctx.case,
                obj,
                activity,
                lifecycle,
                self.env.now,
                resource,
                role,
                ctx.segment,
                ctx.source,
                task.wait * 24.0 if lifecycle == "start" else NAN,
                NAN,
                NAN,
            )
        )

    def _activity(self, task: Task) -> tuple[str, str]:
        then = task.then
        key = (then, task.stage.name)
        found = self._activities.get(key)
        if found is None:
            name = getattr(then, "__qualname__", repr(then))
            found = TASK_ACTIVITIES.get((name, task.stage.name)) or TASK_ACTIVITIES.get((name, None)) or (name, "")
            self._activities[key] = found
        return found


class LoggedPool(Pool):
    """A `Pool` that logs each task's start and completion (used only when the log is on).

    Recruiting tasks (requisitions) are not a lead's, an opportunity's or a customer's and are not
    logged.
    """

    def __init__(self, env: simpy.Environment, role: str, hours_per_day: float, horizon_days: float, log: EventLog):
        super().__init__(env, role, hours_per_day, horizon_days)
        self.log = log

    def _start(self, task: Task, person: Any) -> None:
        super()._start(task, person)
        if hasattr(task.ctx, "case"):
            self.log.task(task, "start", self.role)

    def _finish(self, task: Task) -> None:
        if hasattr(task.ctx, "case"):
            self.log.task(task, "complete", self.role)
        super()._finish(task)

    def _finish_ranked(self, task: Task) -> None:  # (a pool with priorities: `Priorities._finish_ranked`)
        if hasattr(task.ctx, "case"):
            self.log.task(task, "complete", self.role)
        super()._finish_ranked(task)
