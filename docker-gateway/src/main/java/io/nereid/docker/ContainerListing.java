package io.nereid.docker;

import io.nereid.account.Account.ContainerSummary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The selection of {@code GET /containers/json}: newest first, running ones only unless {@code
 * all}, a limit or a status filter asks for more, then the filters id, name, label, status,
 * exited, ancestor, before and since, in the daemon's order and with its rules.
 */
final class ContainerListing {

  static final Set<String> FILTERS =
      Set.of("id", "name", "label", "status", "exited", "ancestor", "before", "since");
  private static final Set<String> STATES =
      Set.of("created", "running", "paused", "restarting", "removing", "exited", "dead");

  private final DockerFilters filters;
  private final boolean all;
  private final int limit;
  private final Function<String, Optional<String>> imageIds;

  /**
   * @param limit the most containers returned; 0 or less means no limit
   * @param imageIds resolves an image reference to its image ID, empty when unknown
   */
  ContainerListing(
      DockerFilters filters, boolean all, int limit, Function<String, Optional<String>> imageIds) {
    for (String status : filters.get("status")) {
      if (!STATES.contains(status)) {
        throw DockerApiException.badRequest(
            "invalid filter 'status="
                + status
                + "': invalid value for state ("
                + status
                + "): must be one of created, running, paused, restarting, removing, exited, dead");
      }
    }
    for (String code : filters.get("exited")) {
      try {
        Integer.parseInt(code);
      } catch (NumberFormatException e) {
        throw DockerApiException.badRequest(
            "invalid filter 'exited=" + code + "': strconv.Atoi: parsing \"" + code + "\": invalid syntax");
      }
    }
    this.filters = filters;
    this.all = all || filters.contains("status");
    this.limit = limit;
    this.imageIds = imageIds;
  }

  /** Selects from an account's containers, in any order; returns them newest first. */
  List<ContainerSummary> select(List<ContainerSummary> containers) {
    List<ContainerSummary> newestFirst = new ArrayList<>(containers);
    newestFirst.sort(
        Comparator.comparing(ContainerSummary::createdAt)
            .thenComparing(ContainerSummary::containerId)
            .reversed());
    String before = boundary(newestFirst, "before");
    String since = boundary(newestFirst, "since");
    Set<String> ancestors = ancestorImageIds();

    List<ContainerSummary> selected = new ArrayList<>();
    for (ContainerSummary summary : newestFirst) {
      // "before" skips everything down to and including the named container; "since" stops there.
      if (before != null) {
        if (summary.containerId().equals(before)) {
          before = null;
        }
        continue;
      }
      if (summary.containerId().equals(since)) {
        break;
      }
      if (limit > 0 && selected.size() == limit) {
        break;
      }
      if (includes(summary, ancestors)) {
        selected.add(summary);
      }
    }
    return selected;
  }

  private boolean includes(ContainerSummary summary, Set<String> ancestors) {
    String state = ContainerViews.dockerState(summary.status());
    boolean running = state.equals("running") || state.equals("paused");
    if (!running && !all && limit <= 0 && !filters.contains("before") && !filters.contains("since")) {
      return false;
    }
    if (!filters.match("name", summary.name()) || !filters.match("id", summary.containerId())) {
      return false;
    }
    if (!filters.matchLabels("label", summary.labels())) {
      return false;
    }
    if (filters.contains("exited")) {
      boolean exited = !running && !summary.startedAt().equals(java.time.Instant.EPOCH);
      if (!exited || !filters.get("exited").contains(Integer.toString(summary.exitCode()))) {
        return false;
      }
    }
    if (!filters.exactMatch("status", state)) {
      return false;
    }
    if (ancestors != null) {
      Optional<String> imageId = imageIds.apply(summary.image());
      return ancestors.contains(summary.image()) || imageId.map(ancestors::contains).orElse(false);
    }
    return true;
  }

  /**
   * Returns the image IDs and names the ancestor filter accepts, or null without that filter. An
   * image the store does not know matches by the name the container was created with.
   */
  private Set<String> ancestorImageIds() {
    if (!filters.contains("ancestor")) {
      return null;
    }
    Set<String> accepted = new java.util.HashSet<>();
    for (String ancestor : filters.get("ancestor")) {
      accepted.add(ancestor);
      imageIds.apply(ancestor).ifPresent(accepted::add);
    }
    return accepted;
  }

  /** Resolves the container a before or since filter names, by ID, ID prefix or name. */
  private String boundary(List<ContainerSummary> containers, String filter) {
    String found = null;
    for (String reference : filters.get(filter)) {
      String name = reference.startsWith("/") ? reference.substring(1) : reference;
      List<String> matches =
          containers.stream()
              .filter(
                  summary ->
                      summary.containerId().startsWith(reference) || summary.name().equals(name))
              .map(ContainerSummary::containerId)
              .distinct()
              .toList();
      if (matches.size() != 1) {
        throw DockerApiException.notFound("No such container: " + reference);
      }
      found = matches.get(0);
    }
    return found;
  }
}
