package io.nereid.scheduler.placement;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The outcome of one placement and why: the chosen node with the score of every candidate examined,
 * or the reasons that no node fits. Kept so an operator can ask why a container went where it went.
 *
 * @param strategy the scorer name, such as {@code bin-pack}
 * @param demand what the container reserves, with the pool's default memory request applied
 * @param candidates every examined node that passed the hard filters, best first; the first is the
 *     chosen node
 * @param rejections every examined node that a hard filter rejected, in examination order
 * @param rejectionCounts rejected nodes per reason and subject, most frequent first. Besides the
 *     examined nodes they count the nodes that are not ready, which the index leaves out without
 *     examining them. When no node fits, every node is counted.
 * @param nodesExamined the nodes that went through the filters
 * @param maxScoreShortfall an upper bound on how much higher an unexamined node could score than
 *     the chosen one. It is 0 unless the outcome is {@link SearchOutcome#CANDIDATE_LIMIT}.
 * @param seed the seed of the random strategy for this placement
 */
public record PlacementDecision(
    String containerId,
    String strategy,
    ResourceVector demand,
    List<Candidate> candidates,
    List<Rejection> rejections,
    List<RejectionCount> rejectionCounts,
    int poolSize,
    int nodesExamined,
    SearchOutcome outcome,
    double maxScoreShortfall,
    long seed) {

  public PlacementDecision {
    candidates = List.copyOf(candidates);
    rejections = List.copyOf(rejections);
    rejectionCounts = List.copyOf(rejectionCounts);
  }

  public boolean placed() {
    return !candidates.isEmpty();
  }

  public Optional<Candidate> chosen() {
    return candidates.isEmpty() ? Optional.empty() : Optional.of(candidates.get(0));
  }

  public Optional<String> chosenNodeId() {
    return chosen().map(Candidate::nodeId);
  }

  /** Returns the number of nodes the search neither examined nor counted as rejected. */
  public int nodesNotExamined() {
    int accounted = candidates.size();
    for (RejectionCount count : rejectionCounts) {
      accounted += count.nodes();
    }
    return poolSize - accounted;
  }

  /**
   * Returns one line for logs and operators, such as {@code no node fits container c1: memory
   * exhausted on 12 nodes, constraint rack==r1 unmet on 30 nodes}.
   */
  public String summary() {
    if (!placed()) {
      if (poolSize == 0) {
        return "no node fits container " + containerId + ": the pool has no nodes";
      }
      return "no node fits container " + containerId + ": " + describeCounts();
    }

    Candidate chosen = candidates.get(0);
    List<String> parts = new ArrayList<>();
    parts.add(String.format(Locale.ROOT, "%s score %.4f", strategy, chosen.score()));
    parts.add(
        "best of " + candidates.size() + (candidates.size() == 1 ? " candidate" : " candidates"));
    parts.add(nodesExamined + " of " + poolSize + " nodes examined");
    if (maxScoreShortfall > 0) {
      parts.add(
          String.format(
              Locale.ROOT, "an unexamined node may score up to %.4f higher", maxScoreShortfall));
    }
    if (!chosen.softExpressionsUnmet().isEmpty()) {
      parts.add("soft expressions unmet: " + String.join(", ", chosen.softExpressionsUnmet()));
    }
    if (!rejectionCounts.isEmpty()) {
      parts.add("rejected: " + describeCounts());
    }
    return "container "
        + containerId
        + " placed on "
        + chosen.nodeId()
        + ": "
        + String.join(", ", parts);
  }

  private String describeCounts() {
    List<String> phrases = new ArrayList<>();
    for (RejectionCount count : rejectionCounts) {
      phrases.add(count.describe());
    }
    return String.join(", ", phrases);
  }
}
