package io.nereid.docker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.nereid.persistence.CborSerializable;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One entry of the Docker event stream, as it travels between members.
 *
 * @param type the object kind: container or image
 * @param action Docker's name for what happened: create, start, die, pull, tag, ...
 * @param actorId the container ID, or the image reference or ID
 * @param attributes details such as the name, the image, the labels and the exit code
 * @param timeNano when it happened, in nanoseconds since the epoch
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DockerEvent(
    String type, String action, String actorId, Map<String, String> attributes, long timeNano)
    implements CborSerializable {

  public DockerEvent {
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }

  static DockerEvent of(
      String type, String action, String actorId, Map<String, String> attributes, Instant at) {
    return new DockerEvent(
        type, action, actorId, attributes, at.getEpochSecond() * 1_000_000_000L + at.getNano());
  }

  /**
   * Returns the message in the daemon's JSON shape. The older fields status, id and from are
   * filled for containers and images as the daemon does, because API 1.24 clients read them.
   */
  Map<String, Object> message() {
    Map<String, Object> message = new LinkedHashMap<>();
    if (type.equals("container") || type.equals("image")) {
      message.put("status", action);
      message.put("id", actorId);
    }
    if (type.equals("container") && attributes.containsKey("image")) {
      message.put("from", attributes.get("image"));
    }
    message.put("Type", type);
    message.put("Action", action);
    message.put("Actor", Map.of("ID", actorId, "Attributes", new TreeMap<>(attributes)));
    message.put("scope", "local");
    message.put("time", timeNano / 1_000_000_000L);
    message.put("timeNano", timeNano);
    return message;
  }
}
