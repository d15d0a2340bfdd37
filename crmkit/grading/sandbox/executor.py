"""Run code cells on a grading kernel, with a time limit per cell and a byte limit on output.

nbgrader's ``Execute`` keeps every output a cell makes and counts lines, so one 25 MB line or a
flood of charts goes straight into the graded notebook (and the feedback). Here each cell's
outputs are kept up to ``max_cell_bytes`` and a notebook's up to ``max_notebook_bytes``; what is
cut off is replaced by one bilingual line. A cell that runs past its time is interrupted, and a
kernel that dies ends the run: later cells are left unexecuted, as nbgrader leaves them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from queue import Empty
from typing import Any

from ..settings import SETTINGS, Limits

# A message larger than this is dropped by ZeroMQ before Python sees it.
MAX_MESSAGE_BYTES = 64 * 1024**2
# The kernel's messages queue in the grader's ZeroMQ socket, outside the sandbox's memory limit,
# whenever the grader reads slower than the kernel sends. So the grader reads every message at
# once and parses only what it keeps: the header of a message for another request, or an output
# past the cell's byte budget, says enough to drop it (see CellRunner._receive).
HEADER_BYTES = 64 * 1024
ERROR_BYTES = 1024**2
OUTPUT_TYPES = ("stream", "display_data", "execute_result", "update_display_data")
OVERFLOW = {"msg_type": "overflow", "content": {}}  # an output too large for what the cell keeps
TOO_LONG_ERROR = {"ename": "Error", "evalue": "（错误信息过长 / the error message was too long）"}
TRUNCATED = "…（输出过长，已截断 / output too long, cut off）"
TIMED_OUT = "TimeoutError"


class CellStatus(StrEnum):
    """How running a cell ended (its value is the word the notes and messages use)."""

    OK = "ok"
    ERROR = "error"  # it raised
    TIMEOUT = "timeout"  # interrupted at the time limit
    DIED = "died"  # the kernel is gone


@dataclass
class CellRun:
    """What running one cell gave: outputs (nbformat dicts), its execution count and how it
    ended (:class:`CellStatus`)."""

    outputs: list[dict] = field(default_factory=list)
    execution_count: int | None = None
    status: CellStatus = CellStatus.OK
    truncated: bool = False

    def data_of(self, mimetype: str) -> list[Any]:
        """Every value of ``mimetype`` in the cell's display data and results, in order."""
        return [
            o["data"][mimetype]
            for o in self.outputs
            if o["output_type"] in ("display_data", "execute_result")
            and mimetype in o.get("data", {})
        ]


def output_size(content: dict) -> int:
    """Bytes an output takes in the notebook (its text, data and traceback)."""
    return len(json.dumps(content, ensure_ascii=False, default=str).encode("utf-8", "replace"))


class Outputs:
    """Outputs of one cell as nbformat dicts, up to a byte budget shared with the notebook."""

    def __init__(self, budget: list[int], max_cell_bytes: int) -> None:
        self.items: list[dict] = []
        self.budget = budget  # [bytes left for the notebook], shared
        self.left = max_cell_bytes
        self.truncated = False
        self._clear_pending = False

    def add(self, msg_type: str, content: dict) -> None:
        if msg_type == "clear_output":
            if content.get("wait"):
                self._clear_pending = True
            else:
                self.items.clear()
            return
        if self._clear_pending:
            self.items.clear()
            self._clear_pending = False
        if msg_type == "stream":
            output = {
                "output_type": "stream",
                "name": content.get("name", "stdout"),
                "text": str(content.get("text", "")),
            }
        elif msg_type in ("display_data", "execute_result"):
            output = {
                "output_type": msg_type,
                "data": dict(content.get("data", {})),
                "metadata": dict(content.get("metadata", {})),
            }
            if msg_type == "execute_result":
                output["execution_count"] = content.get("execution_count")
        elif msg_type == "error":
            output = {
                "output_type": "error",
                "ename": str(content.get("ename", "Error")),
                "evalue": str(content.get("evalue", "")),
                "traceback": [str(x) for x in content.get("traceback", [])],
            }
        else:
            return
        self._keep(output)

    @property
    def room(self) -> int:
        """Bytes of output the cell can still keep (0 once cut off)."""
        return 0 if self.truncated else min(self.left, self.budget[0])

    def overflow(self) -> None:
        """An output too large to keep arrived: the cell's output is cut off here."""
        if not self.truncated:
            self.truncated = True
            self.items.append(
                {"output_type": "stream", "name": "stdout", "text": f"\n{TRUNCATED}\n"}
            )

    def _keep(self, output: dict) -> None:
        if self.truncated:
            if output["output_type"] == "error":  # the error still decides the cell; keep it short
                output["traceback"] = [f"{output['ename']}: {output['evalue'][:500]}"]
                output["evalue"] = output["evalue"][:500]
                self.items.append(output)
            return
        size = output_size(output)
        room = min(self.left, self.budget[0])
        if size <= room:
            self.left -= size
            self.budget[0] -= size
            if (
                output["output_type"] == "stream"
                and self.items
                and self.items[-1].get("output_type") == "stream"
                and self.items[-1]["name"] == output["name"]
            ):
                self.items[-1]["text"] += output["text"]
            else:
                self.items.append(output)
            return
        self.truncated = True
        if output["output_type"] == "stream" and room > 200:
            output["text"] = output["text"][: room // 4]
            self.items.append(output)
        self.items.append({"output_type": "stream", "name": "stdout", "text": f"\n{TRUNCATED}\n"})
        if output["output_type"] == "error":
            self._keep(output)


class CellRunner:
    """Runs cells one after another on one kernel (a started, connected jupyter_client client).

    ``alive()`` says whether the kernel process still runs; ``interrupt()`` sends it SIGINT.
    Output caps and the grace after an interrupt default to
    :data:`~crmkit.grading.settings.SETTINGS`' limits; :meth:`for_limits` takes them from a
    submission's :class:`~crmkit.grading.settings.Limits`.
    """

    def __init__(
        self,
        client,
        alive: Callable[[], bool],
        interrupt: Callable[[], None],
        max_cell_bytes: int = SETTINGS.limits.cell_output_bytes,
        max_notebook_bytes: int = SETTINGS.limits.notebook_output_bytes,
        grace_seconds: float = SETTINGS.limits.interrupt_grace_seconds,
    ) -> None:
        self.client = client
        self.alive = alive
        self.interrupt = interrupt
        self.max_cell_bytes = max_cell_bytes
        self.budget = [max_notebook_bytes]
        self.grace_seconds = grace_seconds
        self.dead = False

    @classmethod
    def for_limits(
        cls, client, alive: Callable[[], bool], interrupt: Callable[[], None], limits: Limits
    ) -> CellRunner:
        """A runner keeping the output ``limits`` allow and giving an interrupted cell their
        grace."""
        return cls(
            client,
            alive,
            interrupt,
            max_cell_bytes=limits.cell_output_bytes,
            max_notebook_bytes=limits.notebook_output_bytes,
            grace_seconds=limits.interrupt_grace_seconds,
        )

    def run(self, code: str, timeout: float, store_history: bool = True) -> CellRun:
        """Run ``code``; return its outputs. After the kernel died, every cell
        is ``died`` at once."""
        if self.dead:
            return CellRun(status=CellStatus.DIED)
        outputs = Outputs(self.budget, self.max_cell_bytes)
        run = CellRun()
        msg_id = self.client.execute(
            code, store_history=store_history, allow_stdin=False, stop_on_error=False
        )
        deadline = time.monotonic() + timeout
        interrupted_at: float | None = None
        while True:
            now = time.monotonic()
            if interrupted_at is None and now >= deadline:
                self.interrupt()
                interrupted_at = now
                run.status = CellStatus.TIMEOUT
            if interrupted_at is not None and now >= interrupted_at + self.grace_seconds:
                self.dead = True  # it would not stop: the grader resets the sandbox
                run.status = CellStatus.DIED
                break
            wait = (
                deadline if interrupted_at is None else interrupted_at + self.grace_seconds
            ) - now
            try:
                message = self._receive(max(0.01, min(wait, 1.0)), msg_id, outputs.room)
            except Empty:
                if not self.alive():
                    self.dead = True
                    run.status = CellStatus.DIED
                    break
                continue
            if message is None:
                continue
            if message is OVERFLOW:
                outputs.overflow()
                continue
            msg_type, content = message["msg_type"], message.get("content", {})
            if msg_type == "status":
                if content.get("execution_state") == "idle":
                    break
            elif msg_type == "execute_input":
                run.execution_count = content.get("execution_count")
            else:
                if msg_type == "error" and run.status == CellStatus.OK:
                    run.status = CellStatus.ERROR
                outputs.add(msg_type, content)
        if run.status == CellStatus.TIMEOUT:
            outputs.add(
                "error",
                {
                    "ename": TIMED_OUT,
                    "evalue": f"这一格超过 {timeout:g} 秒，已中断 / "
                    f"the cell ran over {timeout:g} s and was interrupted",
                },
            )
        elif run.status == CellStatus.DIED and not any(
            o["output_type"] == "error" for o in outputs.items
        ):
            outputs.add(
                "error",
                {
                    "ename": "DeadKernelError",
                    "evalue": "内核在运行这一格时退出 / the kernel died while running this cell",
                },
            )
        self._drain_shell()
        run.outputs, run.truncated = outputs.items, outputs.truncated
        return run

    def _receive(self, timeout: float, msg_id: str, room: int) -> dict | None:
        """The next iopub message if it belongs to request ``msg_id`` and is worth reading, else
        None; :data:`OVERFLOW` for an output larger than the ``room`` the cell has left; raises
        Empty after ``timeout`` seconds without a message.

        Parts are measured before they are read, and only the small header parts are read before
        deciding, so a kernel sending huge messages (or floods of another request's) costs the
        grader next to nothing and cannot outpace it: nothing piles up in the socket's queue.
        """
        channel = self.client.iopub_channel
        if not channel.socket.poll(int(timeout * 1000)):
            raise Empty
        frames = channel.socket.recv_multipart(copy=False)
        session = self.client.session
        try:
            _, parts = session.feed_identities(frames, copy=False)
            sizes = [len(part.buffer) for part in parts]
            if len(parts) < 5 or max(sizes[:4]) > HEADER_BYTES:
                return None
            parent = session.unpack(parts[2].bytes)
            if not isinstance(parent, dict) or parent.get("msg_id") != msg_id:
                return None
            header = session.unpack(parts[1].bytes)
            kind = header.get("msg_type") if isinstance(header, dict) else None
            content_bytes = sum(sizes[4:])
            if kind in OUTPUT_TYPES and content_bytes > room + HEADER_BYTES:
                return OVERFLOW
            if kind == "error" and content_bytes > ERROR_BYTES:
                return {"msg_type": "error", "content": TOO_LONG_ERROR}
            if kind not in OUTPUT_TYPES and kind != "error" and content_bytes > HEADER_BYTES:
                return None
            return session.deserialize(parts, copy=False)
        except (ValueError, TypeError, KeyError):  # malformed, unsigned or a replayed signature
            return None

    def _drain_shell(self) -> None:
        while True:
            try:
                self.client.get_shell_msg(timeout=0)
            except Empty:
                return
