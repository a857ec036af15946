package io.nereid.scheduler.placement;

import io.nereid.scheduler.placement.filter.CapacityFilter;
import io.nereid.scheduler.placement.filter.ConstraintFilter;
import io.nereid.scheduler.placement.filter.ContainerAffinityFilter;
import io.nereid.scheduler.placement.filter.ExpressionFilter;
import io.nereid.scheduler.placement.filter.ImageAffinityFilter;
import io.nereid.scheduler.placement.filter.NodeFilter;
import io.nereid.scheduler.placement.filter.StatusFilter;
import io.nereid.scheduler.placement.score.BinPackScorer;
import io.nereid.scheduler.placement.score.FirstFitScorer;
import io.nereid.scheduler.placement.score.NodeScorer;
import io.nereid.scheduler.placement.score.RandomScorer;
import io.nereid.scheduler.placement.score.SpreadScorer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The placement steps in their order: the hard filters, each node stopping at the first that
 * rejects it, then the pool's scorer. This is the only class that orders them.
 */
public final class PlacementPipeline {

  private final List<NodeFilter> filters =
      List.of(
          // One comparison. The pool index contains only ready nodes and counts the others by
          // status, so status must come first for a full scan to give them the same reason.
          new StatusFilter(),
          // Three comparisons, cheaper than any expression.
          new CapacityFilter(),
          // One label lookup per constraint.
          new ConstraintFilter(),
          // A few string matches per image on the node.
          new ImageAffinityFilter(),
          // Visits every container on the node, the most work per node, so it runs last.
          new ContainerAffinityFilter());

  private final List<ExpressionFilter> expressionFilters = expressionFiltersOf(filters);

  /**
   * The filters that read only the node, in the same order. A request without hard expressions
   * runs only these, which the common case, a resource request alone, does on every node it meets.
   */
  private final List<NodeFilter> nodeStateFilters =
      filters.stream().filter(filter -> !(filter instanceof ExpressionFilter)).toList();

  private final BinPackScorer binPack = new BinPackScorer();
  private final SpreadScorer spread = new SpreadScorer();
  private final FirstFitScorer firstFit = new FirstFitScorer();
  private final RandomScorer random = new RandomScorer();

  public List<NodeFilter> filters() {
    return filters;
  }

  public NodeScorer scorer(ScoringStrategy strategy) {
    return switch (strategy) {
      case BIN_PACK -> binPack;
      case SPREAD -> spread;
      case FIRST_FIT -> firstFit;
      case RANDOM -> random;
    };
  }

  /** Runs the hard filters in order and returns the first rejection, or empty if all pass. */
  public Optional<Rejection> firstRejection(NodeView node, PlacementContext context) {
    List<NodeFilter> applicable =
        context.hardExpressions().isEmpty() ? nodeStateFilters : filters;
    for (NodeFilter filter : applicable) {
      Optional<Rejection> rejection = filter.check(node, context);
      if (rejection.isPresent()) {
        return rejection;
      }
    }
    return Optional.empty();
  }

  /** Scores a node that passed the hard filters and lists the soft expressions it does not meet. */
  public Candidate rank(NodeView node, PlacementContext context, NodeScorer scorer) {
    return new Candidate(
        node.id(), scorer.score(node, context), unmetSoftExpressions(node, context));
  }

  private List<String> unmetSoftExpressions(NodeView node, PlacementContext context) {
    if (context.softExpressions().isEmpty()) {
      return List.of();
    }
    List<String> unmet = new ArrayList<>();
    for (Expression expression : context.softExpressions()) {
      if (!filterFor(expression).isSatisfied(expression, node)) {
        unmet.add(expression.text());
      }
    }
    return unmet;
  }

  private ExpressionFilter filterFor(Expression expression) {
    for (ExpressionFilter filter : expressionFilters) {
      if (filter.handles(expression)) {
        return filter;
      }
    }
    throw new IllegalStateException("no filter handles the expression " + expression);
  }

  private static List<ExpressionFilter> expressionFiltersOf(List<NodeFilter> filters) {
    List<ExpressionFilter> result = new ArrayList<>();
    for (NodeFilter filter : filters) {
      if (filter instanceof ExpressionFilter expressionFilter) {
        result.add(expressionFilter);
      }
    }
    return List.copyOf(result);
  }
}
