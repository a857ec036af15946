package io.nereid.scheduler.placement;

import io.nereid.scheduler.placement.score.NodeScorer;
import io.nereid.scheduler.placement.score.ScarcityWeights;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Places a container into a pool: visits the pool's nodes in the scorer's order, runs the {@link
 * PlacementPipeline} on each, and returns a {@link PlacementDecision}. It does not change the pool,
 * so the caller reserves on the chosen node and then records that with {@link PoolView#reserve}.
 *
 * <h2>How a placement avoids scanning every node</h2>
 *
 * <p>Bin-pack scores a node {@code w(cpu) * u(cpu) + w(memory) * u(memory) + w(disk) * u(disk)},
 * with u the utilization after placement and w the scarcity weights. Spread scores the same sum
 * with {@code 1 - u}. The pool keeps one {@link UtilizationCursor} per dimension that returns the
 * ready nodes with room in that dimension, fullest first for bin-pack, emptiest first for spread,
 * and bounds u for every node it has not returned yet. The search advances the cursors in turn,
 * runs the pipeline on each node it meets for the first time, and after every step bounds the score
 * of all unvisited nodes by {@code w(cpu) * U(cpu) + w(memory) * U(memory) + w(disk) * U(disk)},
 * with U the cursor bounds. This is the threshold algorithm of top-k query processing. The search
 * stops in one of three ways:
 *
 * <ul>
 *   <li>The best candidate scores above the bound. No unvisited node can win, so the choice is the
 *       one a full scan makes: {@link SearchOutcome#BEST_PROVEN}.
 *   <li>The pool's candidate limit (64 by default) is reached. The decision records the bound minus
 *       the best score as {@link PlacementDecision#maxScoreShortfall()}: {@link
 *       SearchOutcome#CANDIDATE_LIMIT}. For example with weights 0.3, 0.6 and 0.1, cursor bounds
 *       0.9, 0.8 and 1.0 and a best score of 0.8, an unvisited node scores at most {@code 0.27 +
 *       0.48 + 0.1 - 0.8 = 0.05} more.
 *   <li>A cursor runs out. Every node with room in that dimension was visited, which includes every
 *       node that fits: {@link SearchOutcome#EXHAUSTIVE}.
 * </ul>
 *
 * <p>Opening the cursors costs O(k log n) for k capacity classes per dimension, each step O(log k),
 * and each visited node one pipeline run. In a pool without constraints most visited nodes are
 * candidates, so a search visits a small multiple of the candidate limit, whatever the pool size.
 *
 * <p>What is lost: at the candidate limit the choice may score up to the recorded shortfall below
 * the best node. Nodes the search never visits have no per-node rejection. A request whose soft
 * expressions no node meets never reaches the limit, so it visits every node with room. The index
 * covers only capacity, so a hard expression that few nodes meet also makes the walk long. And when
 * no node fits, the search runs the pipeline on every ready node it has not visited, so that the
 * counts per reason are complete: O(n) on that path.
 *
 * <p>NOTE: an exact {@code node==} constraint or {@code container==} affinity could start from the
 * few nodes it names instead of walking the index; that is not done yet.
 *
 * <p>{@link #placeByFullScan} runs the pipeline on every node in node id order and never stops
 * early. It is the reference the index is tested against, and it gives an operator a rejection for
 * every node.
 */
public final class PlacementEngine {

  private final PlacementPipeline pipeline;

  public PlacementEngine() {
    this(new PlacementPipeline());
  }

  public PlacementEngine(PlacementPipeline pipeline) {
    this.pipeline = pipeline;
  }

  /** Places the request using the pool index, examining as few nodes as the scorer allows. */
  public PlacementDecision place(PlacementRequest request, PoolView pool) {
    PlacementContext context = PlacementContext.of(request, pool);
    NodeScorer scorer = pipeline.scorer(pool.settings().strategy());
    Search search = new Search(context, scorer, scorer.candidateLimit(pool.settings()));

    if (scorer.order() == SearchOrder.NODE_ID) {
      walkByNodeId(search, pool);
    } else {
      walkByUtilization(search, pool, scorer.order());
    }
    if (search.candidates.isEmpty()) {
      // Nothing fits, so give every ready node its reason for the operator.
      for (NodeView node : pool.readyNodes()) {
        search.examineOnce(node);
      }
    }

    Map<CountKey, Integer> counts = search.countExaminedRejections();
    for (NodeView.Status status : NodeView.Status.values()) {
      if (status != NodeView.Status.READY && pool.count(status) > 0) {
        counts.put(
            new CountKey(RejectionReason.NODE_NOT_READY, status.lowerCase()), pool.count(status));
      }
    }
    return search.decide(pool.size(), counts);
  }

  /** Places the request by examining every node of the pool, for reference and diagnosis. */
  public PlacementDecision placeByFullScan(PlacementRequest request, PoolView pool) {
    PlacementContext context = PlacementContext.of(request, pool);
    NodeScorer scorer = pipeline.scorer(pool.settings().strategy());
    Search search = new Search(context, scorer, Integer.MAX_VALUE);

    for (NodeView node : pool.nodes()) {
      search.examineOnce(node);
    }
    return search.decide(pool.size(), search.countExaminedRejections());
  }

  private static void walkByNodeId(Search search, PoolView pool) {
    UtilizationBounds noBounds = new UtilizationBounds(1.0, 1.0, 1.0);
    for (NodeView node : pool.readyNodes()) {
      search.examineOnce(node);
      if (search.stopAfter(noBounds)) {
        return;
      }
    }
  }

  private static void walkByUtilization(Search search, PoolView pool, SearchOrder order) {
    ScarcityWeights weights = search.context.weights();
    ResourceVector demand = search.context.demand();
    Dimension[] dimensions = Dimension.values();
    UtilizationCursor[] cursors = new UtilizationCursor[dimensions.length];
    int cursorCount = 0;
    for (Dimension dimension : dimensions) {
      // A dimension of weight 0 adds nothing to any score, so its order does not matter.
      if (weights.get(dimension) > 0) {
        cursors[cursorCount++] = pool.cursor(dimension, demand.get(dimension), order);
      }
    }

    // Round robin over the cursors. Advancing only the cursor with the largest bound term would
    // leave the other bounds loose, so the search could never prove its best candidate.
    for (int step = 0; ; step++) {
      UtilizationCursor cursor = cursors[step % cursorCount];
      if (!cursor.hasNext()) {
        // Every node with room in this dimension, so every node that fits, has been visited.
        return;
      }
      search.examineOnce(cursor.next());
      if (search.hasBest() && search.stopAfter(boundsOf(cursors, cursorCount, order))) {
        return;
      }
    }
  }

  private static UtilizationBounds boundsOf(
      UtilizationCursor[] cursors, int cursorCount, SearchOrder order) {
    // A dimension without a cursor has weight 0, so it gets the bound that constrains nothing.
    double unbounded = order == SearchOrder.FULLEST_FIRST ? 1.0 : 0.0;
    double cpu = unbounded;
    double memory = unbounded;
    double disk = unbounded;
    for (int i = 0; i < cursorCount; i++) {
      UtilizationCursor cursor = cursors[i];
      switch (cursor.dimension()) {
        case CPU -> cpu = cursor.bound();
        case MEMORY -> memory = cursor.bound();
        case DISK -> disk = cursor.bound();
      }
    }
    return new UtilizationBounds(cpu, memory, disk);
  }

  private record CountKey(RejectionReason reason, String subject) {}

  /** The state of one search: what was examined, the best candidate so far and how it ended. */
  private final class Search {
    private final PlacementContext context;
    private final NodeScorer scorer;
    private final int candidateLimit;
    private final VisitedNodes examined = new VisitedNodes();
    private final List<Candidate> candidates = new ArrayList<>();
    private final List<Rejection> rejections = new ArrayList<>();
    private int candidatesMeetingSoft;
    private Candidate best;
    private SearchOutcome outcome = SearchOutcome.EXHAUSTIVE;
    private double maxScoreShortfall;

    Search(PlacementContext context, NodeScorer scorer, int candidateLimit) {
      this.context = context;
      this.scorer = scorer;
      this.candidateLimit = candidateLimit;
    }

    /** Runs the pipeline on the node unless an earlier cursor already returned it. */
    void examineOnce(NodeView node) {
      if (!examined.add(node)) {
        return;
      }
      Optional<Rejection> rejection = pipeline.firstRejection(node, context);
      if (rejection.isPresent()) {
        rejections.add(rejection.get());
        return;
      }

      Candidate candidate = pipeline.rank(node, context, scorer);
      candidates.add(candidate);
      if (candidate.softExpressionsUnmet().isEmpty()) {
        candidatesMeetingSoft++;
        if (best == null || Candidate.BEST_FIRST.compare(candidate, best) < 0) {
          best = candidate;
        }
      }
    }

    boolean hasBest() {
      return best != null;
    }

    /**
     * Decides whether the search may stop, given bounds on the unvisited nodes, and records why.
     * Only candidates that meet every soft expression count, because an unvisited node that meets
     * them all would outrank any candidate that does not.
     */
    boolean stopAfter(UtilizationBounds bounds) {
      if (best == null) {
        return false;
      }
      double scoreBound = scorer.scoreUpperBound(bounds, context);
      if (best.score() > scoreBound) {
        outcome = SearchOutcome.BEST_PROVEN;
        return true;
      }
      if (candidatesMeetingSoft >= candidateLimit) {
        outcome = SearchOutcome.CANDIDATE_LIMIT;
        maxScoreShortfall = Math.max(0, scoreBound - best.score());
        return true;
      }
      return false;
    }

    Map<CountKey, Integer> countExaminedRejections() {
      Map<CountKey, Integer> counts = new LinkedHashMap<>();
      for (Rejection rejection : rejections) {
        counts.merge(new CountKey(rejection.reason(), rejection.subject()), 1, Integer::sum);
      }
      return counts;
    }

    PlacementDecision decide(int poolSize, Map<CountKey, Integer> counts) {
      candidates.sort(Candidate.BEST_FIRST);
      List<RejectionCount> rejectionCounts = new ArrayList<>();
      counts.forEach(
          (key, nodes) ->
              rejectionCounts.add(new RejectionCount(key.reason(), key.subject(), nodes)));
      rejectionCounts.sort(
          Comparator.comparingInt(RejectionCount::nodes)
              .reversed()
              .thenComparing(RejectionCount::reason)
              .thenComparing(RejectionCount::subject));
      return new PlacementDecision(
          context.request().containerId(),
          scorer.name(),
          context.demand(),
          candidates,
          rejections,
          rejectionCounts,
          poolSize,
          examined.size(),
          outcome,
          maxScoreShortfall,
          context.seed());
    }
  }
}
