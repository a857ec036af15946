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
  public static final Comparator<Candidate> BEST_FIRST = Candidate::compareBestFirst;

  public Candidate {
    softExpressionsUnmet = List.copyOf(softExpressionsUnmet);
  }

  /** Written out instead of a comparator chain, because a search compares on every candidate. */
  private static int compareBestFirst(Candidate a, Candidate b) {
    int unmet =
        Integer.compare(a.softExpressionsUnmet.size(), b.softExpressionsUnmet.size());
    if (unmet != 0) {
      return unmet;
    }
    int score = Double.compare(b.score, a.score);
    if (score != 0) {
      return score;
    }
    return a.nodeId.compareTo(b.nodeId);
  }
}
