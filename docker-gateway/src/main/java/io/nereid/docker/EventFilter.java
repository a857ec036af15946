package io.nereid.docker;

import java.util.Set;

/**
 * The selection of a {@code GET /events} request, by the daemon's rules: type and event match
 * exactly, container by ID prefix or name, image by ID or name with or without its tag, and every
 * label given must be among the attributes.
 */
final class EventFilter {

  static final Set<String> FILTERS = Set.of("type", "event", "container", "image", "label");

  private final DockerFilters filters;

  EventFilter(DockerFilters filters) {
    this.filters = filters;
  }

  boolean includes(DockerEvent event) {
    return filters.exactMatch("event", event.action())
        && filters.exactMatch("type", event.type())
        && matchesContainer(event)
        && matchesImage(event)
        && filters.matchLabels("label", event.attributes());
  }

  private boolean matchesContainer(DockerEvent event) {
    Set<String> terms = filters.get("container");
    if (terms.isEmpty()) {
      return true;
    }
    String name = event.attributes().getOrDefault("name", "");
    for (String term : terms) {
      if (event.actorId().startsWith(term) || (!name.isEmpty() && name.startsWith(term))) {
        return true;
      }
    }
    return false;
  }

  private boolean matchesImage(DockerEvent event) {
    Set<String> terms = filters.get("image");
    if (terms.isEmpty()) {
      return true;
    }
    String image = event.attributes().getOrDefault(event.type().equals("image") ? "name" : "image", "");
    for (String candidate : new String[] {event.actorId(), image}) {
      if (terms.contains(candidate) || terms.contains(withoutTag(candidate))) {
        return true;
      }
    }
    return false;
  }

  /** Drops a trailing tag, {@code busybox:1.36} to {@code busybox}, leaving a registry port alone. */
  private static String withoutTag(String reference) {
    int colon = reference.lastIndexOf(':');
    return colon > reference.lastIndexOf('/') ? reference.substring(0, colon) : reference;
  }
}
