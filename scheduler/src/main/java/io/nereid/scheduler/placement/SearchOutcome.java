package io.nereid.scheduler.placement;

/**
 * The way a search ended, which bounds how far its choice can be from the best node in the pool.
 */
public enum SearchOutcome {
  /** Every node that could fit was examined, so the choice is the one a full scan makes. */
  EXHAUSTIVE,
  /** The search stopped early because no unexamined node could rank higher than the choice. */
  BEST_PROVEN,
  /**
   * The search stopped at the pool's candidate limit. An unexamined node may score higher than the
   * choice, by at most {@link PlacementDecision#maxScoreShortfall()}.
   */
  CANDIDATE_LIMIT
}
