#!/usr/bin/python3
"""A third-party RTSP server for Argus tests: GStreamer's gst-rtsp-server.

Serves videotestsrc encoded by x264enc at rtsp://127.0.0.1:PORT/test.
Usage: gst-rtsp-server.py PORT WIDTH HEIGHT [FPS]
Prints "ready" on stdout once the server listens. Run it with Debian's
/usr/bin/python3 (python3-gi, gir1.2-gst-rtsp-server-1.0).
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

port, width, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fps = int(sys.argv[4]) if len(sys.argv) > 4 else 15
Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    f"( videotestsrc is-live=true pattern=ball ! video/x-raw,width={width},height={height},framerate={fps}/1 "
    f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps * 2} "
    "! rtph264pay name=pay0 pt=96 config-interval=-1 )"
)
factory.set_shared(True)
server.get_mount_points().add_factory("/test", factory)
if server.attach(None) == 0:
    sys.exit("cannot listen on port " + port)
print("ready", flush=True)
GLib.MainLoop().run()
