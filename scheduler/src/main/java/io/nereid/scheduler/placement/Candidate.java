package io.nereid.scheduler.placement;

import java.util.Comparator;
import java.util.List;

/**
 * A node that passed every hard filter, with its rank inputs.
 *
 * @param score the scorer's score, where higher is better
 * @param softExpressionsUnmet the soft expressions this node does not satisfy, as text
 */
public record Candidate(String nodeId, double score, List<String> softExpressionsUnmet) {

  /**
   * Best first: fewest unmet soft expressions, then highest score, then lowest node id, so ties
   * resolve the same way on every run.
   */
  public static final Comparator<Candidate> BEST_FIRST =
      Comparator.comparingInt((Candidate c) -> c.softExpressionsUnmet().size())
          .thenComparing(Comparator.comparingDouble(Candidate::score).reversed())
          .thenComparing(Candidate::nodeId);

  public Candidate {
    softExpressionsUnmet = List.copyOf(softExpressionsUnmet);
  }
}
