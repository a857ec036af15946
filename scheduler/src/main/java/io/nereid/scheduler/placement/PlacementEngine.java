package io.nereid.scheduler.placement;

import io.nereid.scheduler.placement.score.NodeScorer;
import io.nereid.scheduler.placement.score.ScarcityWeights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
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
 * and bounds u for every node it has not returned yet. The search advances the cursors in a round
 * robin weighted by w, runs the pipeline on each node it meets for the first time, and after every
 * step bounds the score of all unvisited nodes by {@code w(cpu) * U(cpu) + w(memory) * U(memory) +
 * w(disk) * U(disk)}, with U the cursor bounds. This is the threshold algorithm of top-k query
 * processing. The search stops in one of three ways:
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

    List<RejectionCount> counts = search.countExaminedRejections();
    for (NodeView.Status status : NodeView.Status.values()) {
      if (status != NodeView.Status.READY && pool.count(status) > 0) {
        counts.add(
            new RejectionCount(
                RejectionReason.NODE_NOT_READY, status.lowerCase(), pool.count(status)));
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
    double[] cursorWeights = new double[dimensions.length];
    int cursorCount = 0;
    for (Dimension dimension : dimensions) {
      // A dimension of weight 0 adds nothing to any score, so its order does not matter.
      if (weights.get(dimension) > 0) {
        cursorWeights[cursorCount] = weights.get(dimension);
        cursors[cursorCount++] = pool.cursor(dimension, demand.get(dimension), order);
      }
    }

    // Weighted round robin over the cursors: each step goes to the cursor with the most credit, and
    // every cursor earns its dimension's weight per step. A heavy dimension's bound moves the score
    // bound most, and its cursor mostly returns nodes that fit, because the scarcest dimension is
    // the one that fills first. Every cursor still advances, since a bound left loose would keep
    // the search from ever proving its best candidate. With weights 0.5, 0.4 and 0.1 the cursors
    // take 5, 4 and 1 of every 10 steps.
    double[] credits = new double[cursorCount];
    while (true) {
      int pick = 0;
      for (int i = 0; i < cursorCount; i++) {
        credits[i] += cursorWeights[i];
        if (credits[i] > credits[pick]) {
          pick = i;
        }
      }
      credits[pick] -= 1.0;
      UtilizationCursor cursor = cursors[pick];
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

  /** The state of one search: what was examined, the best candidate so far and how it ended. */
  private final class Search {
    private final PlacementContext context;
    private final NodeScorer scorer;
    private final int candidateLimit;
    private final VisitedNodes examined = new VisitedNodes();
    // Sized for a search without expressions at the default candidate limit, so they rarely grow.
    private final List<Candidate> candidates = new ArrayList<>(64);
    private final List<Rejection> rejections = new ArrayList<>(128);
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

    /**
     * Counts the examined rejections per reason and subject. A search meets a handful of distinct
     * pairs, so a linear scan over them costs less than hashing every rejection. The examined nodes
     * are all ready, so their counts never share a key with the per-status counts added after.
     */
    List<RejectionCount> countExaminedRejections() {
      List<RejectionReason> reasons = new ArrayList<>();
      List<String> subjects = new ArrayList<>();
      int[] nodes = new int[8];
      for (Rejection rejection : rejections) {
        int key = 0;
        while (key < reasons.size()
            && !(reasons.get(key) == rejection.reason()
                && subjects.get(key).equals(rejection.subject()))) {
          key++;
        }
        if (key == reasons.size()) {
          reasons.add(rejection.reason());
          subjects.add(rejection.subject());
          if (key == nodes.length) {
            nodes = Arrays.copyOf(nodes, 2 * key);
          }
        }
        nodes[key]++;
      }
      List<RejectionCount> counts = new ArrayList<>();
      for (int key = 0; key < reasons.size(); key++) {
        counts.add(new RejectionCount(reasons.get(key), subjects.get(key), nodes[key]));
      }
      return counts;
    }

    PlacementDecision decide(int poolSize, List<RejectionCount> rejectionCounts) {
      candidates.sort(Candidate.BEST_FIRST);
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
