package io.nereid.scheduler.placement.filter;

import io.nereid.scheduler.placement.Expression;
import io.nereid.scheduler.placement.NodeView;
import io.nereid.scheduler.placement.Rejection;
import io.nereid.scheduler.placement.RejectionReason;

/**
 * Evaluates constraints, which match the node itself: {@code node==n3} matches the node id and
 * {@code rack==r1} the node label {@code rack}.
 *
 * <p>A node without the label has no value to match, so it fails {@code rack==...} and passes
 * {@code rack!=...} whatever the value. Swarm classic (v1.2.9) instead matched the empty string, so
 * there {@code rack==*} also accepted nodes without a {@code rack} label.
 */
public final class ConstraintFilter implements ExpressionFilter {

  @Override
  public boolean handles(Expression expression) {
    return expression.kind() == Expression.Kind.CONSTRAINT;
  }

  @Override
  public boolean isSatisfied(Expression expression, NodeView node) {
    if (expression.key().equals(Expression.NODE_KEY)) {
      return expression.isSatisfied(expression.value().matches(node.id()));
    }
    String label = node.labels().get(expression.key());
    return expression.isSatisfied(label != null && expression.value().matches(label));
  }

  @Override
  public Rejection reject(Expression expression, NodeView node) {
    return new Rejection(
        node.id(), RejectionReason.CONSTRAINT_UNMET, expression.text(), describe(expression, node));
  }

  private static String describe(Expression expression, NodeView node) {
    if (expression.key().equals(Expression.NODE_KEY)) {
      return "node id is " + node.id();
    }
    String label = node.labels().get(expression.key());
    if (label == null) {
      return "node has no label " + expression.key();
    }
    return "node label " + expression.key() + " is " + label;
  }
}
