package io.nereid.scheduler.placement.filter;

import io.nereid.scheduler.placement.Expression;
import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.PlacementContext;
import io.nereid.scheduler.placement.Rejection;
import java.util.Optional;

/**
 * A filter driven by placement expressions. It rejects a node for the first hard expression it
 * handles that the node does not satisfy, and lets the pipeline ask it about soft expressions,
 * which rank nodes instead of rejecting them.
 */
public interface ExpressionFilter extends NodeFilter {

  /** Returns whether this filter evaluates the expression. Exactly one filter handles each. */
  boolean handles(Expression expression);

  /** Returns whether the node satisfies an expression that this filter handles. */
  boolean isSatisfied(Expression expression, NodeView node);

  /** Returns the rejection of a node that does not satisfy the expression. */
  Rejection reject(Expression expression, NodeView node);

  @Override
  default Optional<Rejection> check(NodeView node, PlacementContext context) {
    for (Expression expression : context.hardExpressions()) {
      if (handles(expression) && !isSatisfied(expression, node)) {
        return Optional.of(reject(expression, node));
      }
    }
    return Optional.empty();
  }
}
