package io.nereid.docker;

import io.nereid.agent.NodeAgent;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.pekko.util.ByteString;

/** Docker's multiplexed stream framing of container output without a TTY. */
final class LogFrames {

  private static final byte STDOUT = 1;
  private static final byte STDERR = 2;

  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

  private LogFrames() {}

  static byte[] encode(NodeAgent.LogLines logs, boolean stdout, boolean stderr, boolean timestamps) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (NodeAgent.LogLines.Line line : logs.lines()) {
      if (line.stderr() ? !stderr : !stdout) {
        continue;
      }
      String text = (timestamps ? dockerTime(line.time()) + " " : "") + line.text() + "\n";
      out.writeBytes(frame(line.stderr(), text.getBytes(StandardCharsets.UTF_8)).toArray());
    }
    return out.toByteArray();
  }

  /** Formats a time as Go's RFC3339Nano, which the Docker daemon uses: no trailing zeros in the fraction. */
  static String dockerTime(Instant time) {
    String seconds = SECONDS.format(time);
    if (time.getNano() == 0) {
      return seconds + "Z";
    }
    String fraction = String.format("%09d", time.getNano()).replaceFirst("0+$", "");
    return seconds + "." + fraction + "Z";
  }

  /**
   * Returns one frame: an 8-byte header (stream 1 or 2, three zero bytes, the payload length as
   * a big-endian int) and then the payload.
   */
  static ByteString frame(boolean stderr, byte[] payload) {
    ByteBuffer header = ByteBuffer.allocate(8);
    header.put(stderr ? STDERR : STDOUT).put((byte) 0).put((byte) 0).put((byte) 0);
    header.putInt(payload.length);
    header.flip();
    return ByteString.fromByteBuffer(header).concat(ByteString.fromArray(payload));
  }
}
