package io.nereid.docker;

import io.nereid.agent.NodeAgent;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Docker's multiplexed stream framing of container output without a TTY. */
final class LogFrames {

  private static final byte STDOUT = 1;
  private static final byte STDERR = 2;

  private LogFrames() {}

  static byte[] encode(NodeAgent.LogLines logs, boolean stdout, boolean stderr, boolean timestamps) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (NodeAgent.LogLines.Line line : logs.lines()) {
      if (line.stderr() ? !stderr : !stdout) {
        continue;
      }
      String text = (timestamps ? line.time() + " " : "") + line.text() + "\n";
      byte[] payload = text.getBytes(StandardCharsets.UTF_8);
      ByteBuffer header = ByteBuffer.allocate(8);
      header.put(line.stderr() ? STDERR : STDOUT).put((byte) 0).put((byte) 0).put((byte) 0);
      header.putInt(payload.length);
      out.writeBytes(header.array());
      out.writeBytes(payload);
    }
    return out.toByteArray();
  }
}
