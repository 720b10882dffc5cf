"""Running service calls in thread workers and handing results back to the UI."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from peewee import PeeweeException
from textual.dom import DOMNode
from textual.worker import Worker, get_current_worker

from crm_tui.domain.errors import CrmError
from crm_tui.domain.text import printable

T = TypeVar("T")
log = logging.getLogger(__name__)


def call_service(node: DOMNode, fn: Callable[..., T], *args: Any,
                 done: Callable[[T], Any] | None = None,
                 failed: Callable[[CrmError], Any] | None = None,
                 group: str = "service", exclusive: bool = True,
                 **kwargs: Any) -> Worker[None]:
    """Run ``fn(*args, **kwargs)`` in a thread; call ``done``/``failed`` on the UI thread.

    With ``exclusive`` a newer call in the same group cancels the older one, whose
    result is then dropped (stale searches never overwrite fresh ones). Domain errors
    go to ``failed`` (default: an error toast); anything else (a database that is
    locked or gone, a bug) is logged and goes to ``failed`` as a ServiceFailed, so the
    caller ends what it started (a form stayed "saving" for good) and a bug never
    takes the app down.
    """
    app = node.app

    def run() -> None:
        worker = get_current_worker()
        try:
            result = fn(*args, **kwargs)
        except CrmError as exc:
            if not worker.is_cancelled:
                app.call_from_thread(failed or toast_error(node), exc)
            return
        except Exception as exc:  # noqa: BLE001 - shown to the user, never crash the UI
            log.exception("service call %s failed", getattr(fn, "__name__", fn))
            if not worker.is_cancelled:
                app.call_from_thread(failed or toast_error(node), ServiceFailed.of(exc))
            return
        if done is not None and not worker.is_cancelled:
            app.call_from_thread(done, result)

    return node.run_worker(run, thread=True, exclusive=exclusive, group=group,
                           exit_on_error=False, name=getattr(fn, "__name__", "service"))


class ServiceFailed(CrmError):
    """A service call ended with an error that is not the user's: the database did not
    answer (locked, gone), or a bug."""

    @classmethod
    def of(cls, exc: Exception) -> ServiceFailed:
        """The error as the user reads it."""
        if isinstance(exc, PeeweeException) or type(exc).__module__.startswith("psycopg"):
            return cls(f"The database did not answer ({exc}); nothing was done: try "
                       "again")
        return cls(f"Unexpected error ({type(exc).__name__}: {exc}); it is logged")


def toast_error(node: DOMNode) -> Callable[[Exception], None]:
    """The default ``failed`` of call_service: an error toast, "Unexpected" for a bug."""
    def show(exc: Exception) -> None:
        message = printable(str(exc)) or type(exc).__name__
        node.app.notify(message, title="Error" if isinstance(exc, CrmError) else "Unexpected",
                        severity="error", markup=False, timeout=8)
    return show
