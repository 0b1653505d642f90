"""Messages through a training worker's pipe, framed as ``multiprocessing.connection.Connection`` frames them (a
4-byte big-endian size, or -1 and an 8-byte size for the largest, then the pickle), so that ``Connection.recv``
and the server's event loop (``PipeFrames``) read the same bytes.

Written in one piece (``write_message``): ``Connection.send`` writes a message over 16 KB (a batch with a probe)
as its size, then its bytes, and a reader on an event loop would wake up for each. Written whole even when the
pipe is non-blocking: the loop's reader (libuv's poll handle) makes the web process's end of the socket
non-blocking, for its sends too, and ``Connection.send`` would then fail half-way through a large message.
"""

from __future__ import annotations

import os
import pickle
import select
import struct


def frame(message) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    size = struct.pack("!i", len(body)) if len(body) <= 0x7FFFFFFF else struct.pack("!iQ", -1, len(body))
    return size + body


def write_message(fd: int, message) -> None:
    """Write ``message`` to the pipe whole; waits while a non-blocking pipe is full. OSError (BrokenPipeError)
    when the other end is gone."""
    data = frame(message)
    written = 0
    with memoryview(data) as view:
        while written < len(data):
            try:
                written += os.write(fd, view[written:])
            except BlockingIOError:
                poller = select.poll()  # not select.select: a busy server's descriptors pass 1024
                poller.register(fd, select.POLLOUT)
                poller.poll()


class PipeFrames:
    """The messages in the bytes read from a pipe, whatever pieces they arrive in."""

    def __init__(self):
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list:
        """The messages ``data`` completes (what is left of a message waits for the next read)."""
        buffer = self._buffer
        if not buffer and len(data) >= 4:  # the common case: whole messages in one read, no copy
            size = int.from_bytes(data[:4], "big", signed=True)
            if size >= 0 and len(data) == 4 + size:
                return [pickle.loads(memoryview(data)[4:])]
        buffer += data
        messages = []
        while len(buffer) >= 4:
            size, start = int.from_bytes(buffer[:4], "big", signed=True), 4
            if size == -1:
                if len(buffer) < 12:
                    break
                size, start = int.from_bytes(buffer[4:12], "big"), 12
            if len(buffer) < start + size:
                break
            messages.append(pickle.loads(bytes(buffer[start:start + size])))
            del buffer[:start + size]
        return messages
