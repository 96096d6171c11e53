"""Serves one simulated PN532 on a pty, speaking the HSU host link as the real chip does.

A listener thread reads the pty and cuts frames with `FrameReader`; a worker thread runs one
command at a time so that the listener still hears an ACK (abort) while a command waits for a
card or for the reader. The chip acknowledges every good command frame at once, answers when
the command completes, repeats its last answer on NACK, ignores frames with bad checksums,
and answers unparseable commands with the syntax error frame. After PowerDown it sleeps until
a wake-up preamble (at least two bytes before the frame's own 00 00 FF) reaches the HSU.
"""

from __future__ import annotations

import queue
import threading
import time

from ..pty_port import PtyPort
from .chip import ChipSyntaxError, CommandCancelled, Pn532Chip
from .frames import ACK, ERROR_FRAME, HOST_TO_CHIP, EventKind, FrameEvent, FrameReader, \
    build_response
from .trace import FROM_CHIP, TO_CHIP, Trace

__all__ = ["ChipServer"]

_POLL_S = 0.05
_IDLE_RESET_S = 0.1    # a partial frame older than this is line noise
_WAKE_LEAD = 3         # 00 preamble + two wake-up bytes before the start code


class ChipServer:
    """`path` is the device the driver opens; `stop()` ends both threads and closes the pty."""

    def __init__(self, chip: Pn532Chip, trace: Trace, channel: str,
                 realistic: bool = False) -> None:
        self.chip = chip
        self.trace = trace
        self.channel = channel
        self.realistic = realistic
        self._port = PtyPort()
        self.path: str = self._port.path
        self._write_lock = threading.Lock()
        self._last_response: bytes | None = None
        self._stop = threading.Event()
        self._jobs: queue.Queue[tuple[FrameEvent, threading.Event] | None] = queue.Queue()
        self._jobs_lock = threading.Lock()
        self._outstanding: list[threading.Event] = []   # cancel flags of queued/running jobs
        self._listener = threading.Thread(target=self._listen, name=f"pn532-{channel}-rx",
                                          daemon=True)
        self._worker = threading.Thread(target=self._work, name=f"pn532-{channel}-cmd",
                                        daemon=True)
        self._listener.start()
        self._worker.start()

    def stop(self) -> None:
        self._stop.set()
        self._abort_running()
        self._jobs.put(None)
        self._listener.join(timeout=5)
        self._worker.join(timeout=5)
        self._port.close()

    # -- listener ---------------------------------------------------------------------------
    def _listen(self) -> None:
        reader = FrameReader()
        last_byte_at = time.monotonic()
        while not self._stop.is_set():
            data = self._port.read(4096, _POLL_S)
            now = time.monotonic()
            if not data:
                if reader.pending and now - last_byte_at > _IDLE_RESET_S:
                    self.trace.count(f"{self.channel}.partial_frames_dropped")
                    reader.reset()
                continue
            last_byte_at = now
            for event in reader.feed(data):
                self._on_event(event)

    def _on_event(self, event: FrameEvent) -> None:
        self.trace.record(self.channel, TO_CHIP, event.raw, event.kind.value)
        if self.chip.asleep:
            if not self.chip.wake():
                self.trace.count(f"{self.channel}.ignored_asleep")
                return
            if event.lead < _WAKE_LEAD:
                self.trace.count(f"{self.channel}.lost_while_waking")
                return
        if self.chip.pending_baud is not None and event.kind is not EventKind.ACK:
            # nfcpy reopens the port right after its ACK and the close flushes (TCOFLUSH) the
            # ACK off the pty unread; a frame at the new speed confirms the change as well
            self.trace.count(f"{self.channel}.baud_ack_missed")
            with self.chip.cond:
                self.chip.host_ack()
        if event.kind is EventKind.BAD_CHECKSUM:
            self.trace.count(f"{self.channel}.bad_checksum")
        elif event.kind is EventKind.ACK:
            if self._abort_running():
                self.trace.count(f"{self.channel}.aborted")
            else:
                with self.chip.cond:
                    self.chip.host_ack()
        elif event.kind is EventKind.NACK:
            if self._last_response is not None:
                self._send(self._last_response, "repeat")
        elif event.tfi != HOST_TO_CHIP or len(event.body) < 2:
            self._send(ACK, "ack")
            self._send(ERROR_FRAME, "syntax error")
        else:
            self._send(ACK, "ack")
            self._abort_running()   # a new command aborts the one still running
            cancel = threading.Event()
            with self._jobs_lock:
                self._outstanding.append(cancel)
            self._jobs.put((event, cancel))

    def _abort_running(self) -> bool:
        """Cancels every queued or running command; False when there was none."""
        with self._jobs_lock:
            outstanding = list(self._outstanding)
        for cancel in outstanding:
            cancel.set()
        with self.chip.cond:
            self.chip.cond.notify_all()
        return bool(outstanding)

    # -- worker -----------------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None or self._stop.is_set():
                return
            job, cancel = item
            try:
                frame = None if cancel.is_set() else self._run(job, cancel)
            finally:
                # done before the response leaves: the host's next ACK is then no abort
                with self._jobs_lock:
                    self._outstanding.remove(cancel)
            if frame is not None and not cancel.is_set() and not self._stop.is_set():
                self._last_response = frame
                self._send(frame, "response")
                with self.chip.cond:
                    self.chip.after_response(job.code)
                    self.chip.cond.notify_all()

    def _run(self, job: FrameEvent, cancel: threading.Event) -> bytes | None:
        cancelled = cancel.is_set
        try:
            data = self.chip.execute(job.code, job.data, cancelled)
        except ChipSyntaxError as error:
            self.trace.count(f"{self.channel}.syntax_errors")
            self.trace.record(self.channel, FROM_CHIP, b"", str(error))
            return ERROR_FRAME
        except CommandCancelled:
            return None
        return build_response(job.code, data)

    def _send(self, frame: bytes, note: str) -> None:
        if self.realistic:
            time.sleep(len(frame) * 10 / self.chip.baud)   # 8N1 wire time
        with self._write_lock:
            try:
                self._port.write(frame)
            except OSError:
                self.trace.count(f"{self.channel}.write_failed")
                return
        self.trace.record(self.channel, FROM_CHIP, frame, note)
