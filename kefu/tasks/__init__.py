"""Work a person must do because the assistant promised it.

Every answer that says the shop will check, register, reply later or change
something creates a task here (``TaskStore.create``), so no promise is made
that no person sees. Agents see open tasks in the console; ``kefu tasks``
lists them and marks them done.
"""

from kefu.tasks.store import TASK_KINDS, Task, TaskError, TaskNotFound, TaskStore

__all__ = ["TASK_KINDS", "Task", "TaskError", "TaskNotFound", "TaskStore"]
